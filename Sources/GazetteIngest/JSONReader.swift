import Foundation

/// A JSON document (RFC 8259) as a feed reader needs it. Numbers keep the text they were
/// written as: a JSON Feed's only numbers that matter are ids, and an id is text. An object's
/// members stay in a list, in document order: a feed's objects have a few keys, looked up a
/// few times, and a hostile document of a million small objects took a dictionary each (255 MB
/// at peak for 9 MB of JSON; with lists, 167 MB).
enum JSONValue {
    case object([Member])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    typealias Member = (key: String, value: JSONValue)

    /// The member's value; for a repeated key, the last one, as most readers take it.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    var array: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    var isObject: Bool {
        guard case .object = self else { return false }
        return true
    }
}

/// Where and why a document is not JSON.
struct JSONSyntaxError: Error {
    var problem: String
    var line: Int
    var column: Int
}

/// Reads a JSON document in one pass over its bytes. Foundation's `JSONSerialization` boxed
/// every value as `Any`, decoded each string with an escape through a generic path, and was
/// half of a JSON Feed's parse; its errors counted bytes, not lines.
///
/// Untrusted input: nesting past `maxDepth` is an error (the reader recurses), invalid UTF-8
/// inside a string becomes U+FFFD, as it does in XML feeds (anywhere else it is a syntax
/// error), and a lone UTF-16 surrogate escape becomes U+FFFD too. Control characters must be
/// escaped in strings, as the RFC says; escaped, they are kept for the normaliser to drop.
struct JSONReader {
    /// Deeper than any feed nests (a JSON Feed needs four levels), shallow enough for any stack.
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// A string with escapes, decoded; kept for its storage.
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    static func read(_ data: Data) throws(JSONSyntaxError) -> JSONValue {
        let result = data.withUnsafeBytes { raw -> Result<JSONValue, JSONSyntaxError> in
            var reader = JSONReader(bytes: raw.bindMemory(to: UInt8.self))
            return Result { () throws(JSONSyntaxError) in try reader.document() }
        }
        return try result.get()
    }

    private mutating func document() throws(JSONSyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        let value = try value()
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected \(describe(index)) after the document") }
        return value
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("the document ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected \(describe(index)) where a value should be")
        }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a key in double quotes, found \(describe(index))")
            }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected \":\" after the key \"\(key.prefix(40))\", found \(describe(index))")
            }
            index += 1
            members.append((key, try value()))
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            default: throw error("expected \",\" or \"}\" in an object, found \(describe(index))")
            }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default: throw error("expected \",\" or \"]\" in an array, found \(describe(index))")
            }
        }
    }

    /// Past the `{` or `[` at `index`, one level deeper.
    private mutating func enter() throws(JSONSyntaxError) {
        guard depth < Self.maxDepth else {
            throw error("arrays and objects nested more than \(Self.maxDepth) deep")
        }
        depth += 1
        index += 1
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes[index...].starts(with: expected) else { throw error("unexpected \(describe(index))") }
        index += expected.count
        return value
    }

    /// The number at `index`, as written, once its grammar is checked.
    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(at: index) else { throw error("a number needs a digit, found \(describe(index))") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(at: index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(at: index) else { throw error("a number's fraction needs a digit, found \(describe(index))") }
            while isDigit(at: index) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard isDigit(at: index) else { throw error("a number's exponent needs a digit, found \(describe(index))") }
            while isDigit(at: index) { index += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private func isDigit(at position: Int) -> Bool {
        position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
    }

    /// The string whose opening quote is at `index`, decoded.
    private mutating func string() throws(JSONSyntaxError) -> String {
        let opening = index
        index += 1
        // Most strings have no escape: their bytes, up to the closing quote, in one copy.
        var runStart = index
        index = nextStop(from: index)
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return UTF8Bytes.string(UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
        }
        scratch.removeAll(keepingCapacity: true)
        while true {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            guard index < bytes.count else {
                index = opening
                throw error("a string that is never closed")
            }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return UTF8Bytes.string(scratch)
            case UInt8(ascii: "\\"):
                try escape()
            default:
                throw error("a control character (\(describe(index))) must be escaped in a string")
            }
            runStart = index
            index = nextStop(from: index)
        }
    }

    /// The next quote, backslash or control character.
    private func nextStop(from start: Int) -> Int {
        let (quote, backslash) = (UInt8(ascii: "\""), UInt8(ascii: "\\"))
        return ByteText.firstIndex(in: bytes, from: start, below: 0x20, orOneOf: (quote, backslash, quote, quote))
    }

    /// The escape whose backslash is at `index`, decoded into `scratch`.
    private mutating func escape() throws(JSONSyntaxError) {
        index += 1
        guard index < bytes.count else { throw error("the document ends inside an escape") }
        let decoded: UInt8
        switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = bytes[index]
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            index += 1
            let unit = try hexUnit()
            var scalar = Unicode.Scalar(unit)
            // A high surrogate makes one character with the low one escaped right after it.
            if (0xD800...0xDBFF).contains(unit), bytes[index...].starts(with: [0x5C, UInt8(ascii: "u")]) {
                let resume = index
                index += 2
                let low = try hexUnit()
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = Unicode.Scalar(0x10000 + (UInt32(unit) - 0xD800) << 10 + (UInt32(low) - 0xDC00))
                } else {
                    index = resume
                }
            }
            scratch.append(contentsOf: UTF8.encode(scalar ?? "\u{FFFD}")!)
            return
        default:
            throw error("\(describe(index)) cannot follow a backslash in a string")
        }
        scratch.append(decoded)
        index += 1
    }

    /// Four hex digits at `index`, read past.
    private mutating func hexUnit() throws(JSONSyntaxError) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexDigit(bytes[index]) else {
                throw error("\\u needs four hex digits, found \(describe(index))")
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    private func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The byte at `position` for an error message: itself when it is printable ASCII.
    private func describe(_ position: Int) -> String {
        guard position < bytes.count else { return "the end of the document" }
        let byte = bytes[position]
        return (0x21...0x7E).contains(byte) ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(hex(byte))"
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// The error, placed at `index` (lines and columns count from 1; columns in bytes).
    private func error(_ problem: String) -> JSONSyntaxError {
        let before = UnsafeBufferPointer(rebasing: bytes[..<min(index, bytes.count)])
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let line = before.count(where: { $0 == 0x0A }) + 1
        return JSONSyntaxError(problem: problem, line: line, column: before.count - lineStart + 1)
    }
}
