import Foundation

extension JSONLines {
    /// Drops a last line that a resume must redo: torn (no newline, an interrupted append) or
    /// complete but not a valid `T` (damaged after it was written). `read` already skips such a
    /// line; appending after it would turn it into a middle line, which every later resume,
    /// `merge` and `phase` refuse. Only the last line is repaired: damage earlier in the file is
    /// not the trace of an interrupted write and stays an error for the reader to report.
    public static func repairTail<T: Decodable>(_ type: T.Type, path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return }
        guard data.last == 0x0A else {
            let keep = data.lastIndex(of: 0x0A).map { data[...$0] } ?? Data()
            try AtomicFile.write(Data(keep), to: path)
            return
        }
        let body = data.dropLast()
        let start = body.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
        let last = Data(body[start...])
        // Blank last lines are skipped by `read` and harmless.
        guard !last.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
        if (try? StrictJSON.decode(T.self, from: last, what: "record", source: path)) == nil {
            try AtomicFile.write(Data(data[..<start]), to: path)
        }
    }
}
