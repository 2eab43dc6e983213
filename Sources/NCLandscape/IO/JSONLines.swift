import Foundation

/// Reads a JSON-lines file, skipping a torn final line left by an interrupted write (it has no
/// newline, or does not parse) so that its task is simply redone.
public enum JSONLines {
    public static func read<T: Decodable>(_ type: T.Type, path: String) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var out: [T] = []
        let text = String(decoding: data, as: UTF8.self)
        let complete = text.hasSuffix("\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for (i, line) in lines.enumerated() {
            if i == lines.count - 1 && !complete { break }   // torn last line
            do {
                out.append(try StrictJSON.decode(T.self, from: Data(line.utf8), what: "record", source: "\(path) line \(i + 1)"))
            } catch let e as InputError {
                if i == lines.count - 1 { break }
                throw InputError("\(path): line \(i + 1) is not a valid record (\(e.message)); the file is damaged or is not this kind of log")
            }
        }
        return out
    }

    /// Drops a torn final line so later appends start on a fresh line.
    public static func repairTail(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty, data.last != 0x0A else { return }
        let keep = data.lastIndex(of: 0x0A).map { data[...$0] } ?? Data()
        try AtomicFile.write(Data(keep), to: path)
    }

    public static func append<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFile.appendLine(String(decoding: JSONOutput.encode(value, pretty: false).dropLast(), as: UTF8.self), to: path)
    }
}
