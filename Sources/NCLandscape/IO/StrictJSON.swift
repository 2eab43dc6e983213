import Foundation

/// A strict JSON reader (RFC 8259) run before `JSONDecoder`: it refuses what Foundation lets
/// through — a key twice in one object (the decoder silently keeps one), trailing commas,
/// comments, bare NaN/Infinity — with line and column, and keeps the raw text of every value so
/// that decoding errors can say what was found ("K must be an integer, got 4.5").
public enum StrictJSON {
    public indirect enum Value {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        /// The number's literal text, as written.
        case number(String)
        case bool(Bool)
        case null

        var description: String {
            switch self {
            case .object: return "an object"
            case .array: return "an array"
            case let .string(s): return "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
            case let .number(n): return n
            case let .bool(b): return b ? "true" : "false"
            case .null: return "null"
            }
        }
    }

    /// Parses `data`, or throws `InputError("<what> <source>: <reason> at line L, column C")`.
    public static func parse(_ data: Data, what: String, source: String) throws -> Value {
        var p = Parser(bytes: [UInt8](data), what: what, source: source)
        // A UTF-8 byte-order mark (Windows editors, PowerShell's Out-File) is not part of the
        // value; Python's utf-8-sig and Foundation's readers skip it, so do we.
        if p.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// The value at a decoder's coding path, when the path exists.
    static func value(at path: [CodingKey], in root: Value) -> Value? {
        var cur = root
        for k in path {
            switch cur {
            case let .object(fields):
                guard let v = fields.first(where: { $0.key == k.stringValue })?.value else { return nil }
                cur = v
            case let .array(items):
                guard let i = k.intValue, i >= 0, i < items.count else { return nil }
                cur = items[i]
            default: return nil
            }
        }
        return cur
    }

    /// Strict parse, then `JSONDecoder`; every error is one `InputError` line naming the file
    /// and, for type errors, the key and the value found.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String, source: String) throws -> T {
        let root = try parse(data, what: what, source: source)
        do {
            return try TreeDecoder(value: root, codingPath: []).decodeValue(T.self)
        } catch let e as DecodingError {
            throw InputError("malformed \(what) \(source): \(describe(e, root: root))")
        } catch let e as InputError {
            throw InputError("malformed \(what) \(source): \(e.message)")
        }
    }

    static func describe(_ e: DecodingError, root: Value) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the top level" : p
        }
        func found(_ ctx: DecodingError.Context) -> String {
            StrictJSON.value(at: ctx.codingPath, in: root).map { ", got \($0.description)" } ?? ""
        }
        func kind(_ t: Any.Type) -> String {
            switch t {
            case is Int.Type, is UInt64.Type, is Int32.Type: return "an integer"
            case is Double.Type, is Float.Type: return "a number"
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            default:
                let name = "\(t)"
                if name.hasPrefix("Array") { return "an array" }
                if name.hasPrefix("Dictionary") { return "an object" }
                return "a value of type \(name)"
            }
        }
        switch e {
        case let .keyNotFound(k, ctx):
            return "missing key \"\(k.stringValue)\"" + (ctx.codingPath.isEmpty ? "" : " in \(path(ctx))")
        case let .typeMismatch(t, ctx): return "\(path(ctx)) must be \(kind(t))\(found(ctx))"
        case let .valueNotFound(t, ctx): return "\(path(ctx)) must be \(kind(t)), not null"
        case let .dataCorrupted(ctx):
            if case let .number(n)? = StrictJSON.value(at: ctx.codingPath, in: root) {
                return Double(n).map { $0 == $0.rounded() ? "\(path(ctx)) = \(n) does not fit a 64-bit integer" : "\(path(ctx)) must be an integer, got \(n)" }
                    ?? "\(path(ctx)): \(n) is not a number"
            }
            return "\(path(ctx)): \(ctx.debugDescription)\(found(ctx))"
        @unknown default: return "\(e)"
        }
    }

    struct Parser {
        let bytes: [UInt8]
        let what: String
        let source: String
        var i = 0

        init(bytes: [UInt8], what: String, source: String) { self.bytes = bytes; self.what = what; self.source = source }

        func error(_ why: String) -> InputError {
            var line = 1, col = 1
            for b in bytes.prefix(min(i, bytes.count)) { if b == 0x0A { line += 1; col = 1 } else { col += 1 } }
            return InputError("malformed \(what) \(source): \(why) at line \(line), column \(col)")
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        mutating func literal(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard i + u.count <= bytes.count, Array(bytes[i ..< i + u.count]) == u else { return false }
            i += u.count
            return true
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < 512 else { throw error("nesting deeper than 512 levels") }
            guard i < bytes.count else { throw error("unexpected end of input") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [(key: String, value: Value)] = []
                var seen = Set<String>()
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                        throw error(i < bytes.count && bytes[i] == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a quoted key")
                    }
                    let keyStart = i
                    let key = try string()
                    guard seen.insert(key).inserted else {
                        i = keyStart
                        throw error("key \"\(key)\" appears twice in one object")
                    }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
                    i += 1
                    skipSpace()
                    fields.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of input in an object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                    i += 1
                    return .object(fields)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of input in an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): if literal("true") { return .bool(true) }; throw error("invalid literal")
            case UInt8(ascii: "f"): if literal("false") { return .bool(false) }; throw error("invalid literal")
            case UInt8(ascii: "n"): if literal("null") { return .null }; throw error("invalid literal")
            default: return .number(try number())
            }
        }

        mutating func string() throws -> String {
            i += 1   // opening quote
            var out = [UInt8]()
            while true {
                guard i < bytes.count else { throw error("unterminated string") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                guard b >= 0x20 else { throw error("control character in a string") }
                if b == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.count else { throw error("unterminated escape") }
                    let e = bytes[i + 1]
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e); i += 2
                    case UInt8(ascii: "b"): out.append(0x08); i += 2
                    case UInt8(ascii: "f"): out.append(0x0C); i += 2
                    case UInt8(ascii: "n"): out.append(0x0A); i += 2
                    case UInt8(ascii: "r"): out.append(0x0D); i += 2
                    case UInt8(ascii: "t"): out.append(0x09); i += 2
                    case UInt8(ascii: "u"):
                        guard i + 6 <= bytes.count, let code = UInt32(String(decoding: bytes[i + 2 ..< i + 6], as: UTF8.self), radix: 16) else {
                            throw error("bad \\u escape")
                        }
                        out += Array(String(UnicodeScalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                        i += 6
                    default: throw error("bad escape")
                    }
                    continue
                }
                out.append(b); i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        mutating func number() throws -> String {
            let start = i
            func digits() -> Int { let s = i; while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else {
                throw error(i < bytes.count && (bytes[i] == UInt8(ascii: "N") || bytes[i] == UInt8(ascii: "I"))
                            ? "NaN and Infinity are not JSON numbers" : "expected a value")
            }
            if bytes[i] == UInt8(ascii: "0") { i += 1 } else { _ = digits() }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw error("expected digits after '.'") } }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw error("expected digits in the exponent") }
            }
            return String(decoding: bytes[start ..< i], as: UTF8.self)
        }
    }
}

/// A `Decoder` over a `StrictJSON.Value` tree: decoding errors carry the key path and the
/// literal that was found ("K must be an integer, got 4.5"), where Foundation's decoder reports
/// a fractional or out-of-range integer as "not valid JSON" at the top level. Non-finite
/// numbers are read from the strings "NaN", "Infinity", "-Infinity" (how reports write them).
struct TreeDecoder: Decoder {
    let value: StrictJSON.Value
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `labels[1]`, `loss.gamma`, `classifiers[0][2]`.
    static func describe(_ path: [CodingKey]) -> String {
        var p = ""
        for k in path {
            if let i = k.intValue { p += "[\(i)]" } else { p += (p.isEmpty ? "" : ".") + k.stringValue }
        }
        return p.isEmpty ? "the top level" : p
    }

    func mismatch(_ wanted: String, _ v: StrictJSON.Value, path: [CodingKey]) -> InputError {
        if case .null = v { return InputError("\(Self.describe(path)) must be \(wanted), not null") }
        return InputError("\(Self.describe(path)) must be \(wanted), got \(v.description)")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .object(fields) = value else { throw mismatch("an object", value, path: codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(fields: Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                                 decoder: self))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case let .array(items) = value else { throw mismatch("an array", value, path: codingPath) }
        return Unkeyed(items: items, decoder: self)
    }
    func singleValueContainer() throws -> SingleValueDecodingContainer { Single(decoder: self) }

    func child(_ v: StrictJSON.Value, _ key: CodingKey) -> TreeDecoder { TreeDecoder(value: v, codingPath: codingPath + [key]) }

    // Primitive conversions, exact.
    func double() throws -> Double {
        switch value {
        case let .number(n):
            guard let d = Double(n), d.isFinite else { throw InputError("\(Self.describe(codingPath)) = \(n) is outside double range") }
            return d
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: throw mismatch("a number", value, path: codingPath)
        }
    }
    func integer<T: FixedWidthInteger>(_ t: T.Type) throws -> T {
        guard case let .number(n) = value else { throw mismatch("an integer", value, path: codingPath) }
        if let v = T(n) { return v }
        if n.contains(".") || n.contains("e") || n.contains("E") {
            if let d = Double(n), d == d.rounded(), let v = T(exactly: d) { return v }
            throw InputError("\(Self.describe(codingPath)) must be an integer, got \(n)")
        }
        throw InputError("\(Self.describe(codingPath)) = \(n) does not fit \(T.self == UInt64.self ? "an unsigned" : "a") 64-bit integer")
    }
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Double.Type: return try double() as! T
        case is Float.Type: return Float(try double()) as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is Bool.Type:
            guard case let .bool(b) = value else { throw mismatch("true or false", value, path: codingPath) }
            return b as! T
        case is String.Type:
            guard case let .string(s) = value else { throw mismatch("a string", value, path: codingPath) }
            return s as! T
        default: return try T(from: self)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let fields: [String: StrictJSON.Value]
        let decoder: TreeDecoder
        var codingPath: [CodingKey] { decoder.codingPath }
        var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }
        func raw(_ key: Key) throws -> StrictJSON.Value {
            guard let v = fields[key.stringValue] else {
                throw InputError("missing key \"\(key.stringValue)\"" + (codingPath.isEmpty ? "" : " in \(TreeDecoder.describe(codingPath))"))
            }
            return v
        }
        func decodeNil(forKey key: Key) throws -> Bool { if case .null = try raw(key) { return true }; return false }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.child(try raw(key), key).decodeValue(type) }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder.child(try raw(key), key).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try decoder.child(try raw(key), key).unkeyedContainer() }
        func superDecoder() throws -> Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> Decoder { decoder.child(try raw(key), key) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [StrictJSON.Value]
        let decoder: TreeDecoder
        var currentIndex = 0
        var codingPath: [CodingKey] { decoder.codingPath }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        mutating func next() throws -> TreeDecoder {
            guard !isAtEnd else { throw InputError("\(TreeDecoder.describe(codingPath)) has too few elements") }
            defer { currentIndex += 1 }
            return decoder.child(items[currentIndex], AnyCodingKey(intValue: currentIndex)!)
        }
        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .null = items[currentIndex] else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: TreeDecoder
        var codingPath: [CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { if case .null = decoder.value { return true }; return false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }
}


/// Any key, to list what an object holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.intValue = intValue; stringValue = "\(intValue)" }
}
