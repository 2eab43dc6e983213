/// Bad input from a user: a file, a flag, a configuration. Every case has a one-line message
/// that says what is wrong and, where there is one, what to do instead.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
