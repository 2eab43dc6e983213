/// An optional that is written as JSON `null` when absent (synthesized `Codable` would drop
/// the key), so machine readers always find keys such as `fStar`.
@propertyWrapper
public struct NullEncodable<T: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: T?
    public init(wrappedValue: T?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(T.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as nil, like a plain optional.
    public func decode<T>(_ type: NullEncodable<T>.Type, forKey key: Key) throws -> NullEncodable<T> {
        try decodeIfPresent(type, forKey: key) ?? NullEncodable(wrappedValue: nil)
    }
}

extension NullEncodable: Equatable where T: Equatable {}
