import Foundation

/// Makes real-world feed bytes acceptable to a strict XML parser, without ever weakening the
/// parser itself: the document's own encoding declaration is honoured, everything else is
/// turned into well-formed UTF-8.
///
/// - Undeclared encodings that are not valid UTF-8 are read as Windows-1252 (what browsers and
///   feedparser do); declared UTF-8 with invalid bytes is repaired with U+FFFD.
/// - HTML named entities (`&nbsp;`), which XML does not declare, become numeric references;
///   unknown names and bare `&` become `&amp;`; numeric references to characters XML forbids
///   become U+FFFD. CDATA sections and comments are copied untouched.
/// - Whitespace or a byte-order mark before the XML declaration is dropped.
enum FeedBytes {
    static func prepare(_ data: Data) -> Data {
        // Most feeds need none of it: one read-only pass finds out, and saves two copies.
        if data.withUnsafeBytes({ isReady($0.bindMemory(to: UInt8.self)) }) { return data }
        var bytes = [UInt8](data)
        // UTF-16 and UTF-32 documents are left to libxml2, which detects and converts them.
        if bytes.count >= 2,
            (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)
                || bytes[0] == 0 || bytes[1] == 0
        {
            return data
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let first = bytes.firstIndex(where: { !isXMLSpace($0) }), first > 0 { bytes.removeFirst(first) }
        // A document whose only fault was what came before its `<`: nothing more to do.
        if bytes.withUnsafeBufferPointer(isReady) { return Data(bytes) }

        let declared = declaredEncoding(bytes)
        if declared == nil || declared == "utf-8" || declared == "utf8" {
            let isValid = bytes.withUnsafeBufferPointer { UTF8Bytes.form(of: $0, rejectingC1Controls: false) != nil }
            if !isValid {
                bytes = declared == nil ? windows1252ToUTF8(bytes) : Array(String(decoding: bytes, as: UTF8.self).utf8)
            }
        }
        if declared == nil || declared == "utf-8" || declared == "utf8" { demoronize(&bytes) }
        if bytes.contains(UInt8(ascii: "&")) { bytes = mapReferences(bytes) }
        return Data(bytes)
    }

    /// Whether `prepare` would leave these bytes as they are: they start with `<` (no byte-order
    /// mark, no whitespace), are valid UTF-8 without C1 controls when they are UTF-8, and every
    /// `&` starts a reference XML knows (also inside CDATA, where `prepare` would not touch it:
    /// this check only has to be sure, not complete).
    private static func isReady(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.first == UInt8(ascii: "<") else { return false }
        let declared = declaredEncoding(bytes)
        if declared == nil || declared == "utf-8" || declared == "utf8" {
            guard UTF8Bytes.form(of: bytes, rejectingC1Controls: true) != nil else { return false }
        }
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        // memchr: the C library's vector search, where a slice's `firstIndex` tests a byte at a time.
        while index < bytes.count, let found = memchr(base + index, Int32(UInt8(ascii: "&")), bytes.count - index) {
            let ampersand = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            // &amp; &lt; &gt; &quot; stay as they are: the common case, without building its replacement.
            let rest = bytes[(ampersand + 1)...]
            if let known = commonReferences.first(where: { rest.starts(with: $0) }) {
                index = ampersand + 1 + known.count
                continue
            }
            let (replacement, length) = reference(bytes, at: ampersand)
            guard replacement.elementsEqual(bytes[ampersand..<ampersand + length]) else { return false }
            index = ampersand + length
        }
        return true
    }

    private static let commonReferences = ["amp;", "lt;", "gt;", "quot;"].map { Array($0.utf8) }

    private static func isXMLSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The lower-cased `encoding` of the XML declaration, if there is one.
    static func declaredEncoding<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String? {
        guard bytes.starts(with: "<?xml".utf8), let end = bytes.prefix(300).firstIndex(of: UInt8(ascii: ">"))
        else { return nil }
        // Bytes, not Foundation's `range(of:)`, which took about 2 µs a call: this is asked three
        // times of every document.
        let declaration = Array(bytes[..<end])
        let name = Array("encoding".utf8)
        guard let start = declaration.indices.first(where: { declaration[$0...].starts(with: name) }) else {
            return nil
        }
        let rest = declaration[(start + name.count)...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "=") }
        guard let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        return String(decoding: rest.dropFirst().prefix { $0 != quote }, as: UTF8.self).lowercased()
    }

    /// Windows-1252 is a superset of ISO-8859-1 for printable text; its 0x80–0x9F are the curly
    /// quotes and dashes that mislabelled Western feeds are full of.
    static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        let high = windows1252High
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 4)
        for byte in bytes {
            guard byte >= 0x80 else {
                output.append(byte)
                continue
            }
            // Encoded here: a scalar view appended a character at a time cost a tenth of a
            // Latin-1 feed's parse. Every value is below U+10000: two or three bytes.
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            if value < 0x800 {
                output.append(UInt8(0xC0 | value >> 6))
            } else {
                output.append(UInt8(0xE0 | value >> 12))
                output.append(UInt8(0x80 | (value >> 6) & 0x3F))
            }
            output.append(UInt8(0x80 | value & 0x3F))
        }
        return output
    }

    /// The Windows-1252 character for each of 0x80–0x9F, which mislabelled feeds carry as the C1
    /// controls U+0080–U+009F (never meant as controls).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
        0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
        0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    /// Replaces UTF-8-encoded C1 controls (C2 80–C2 9F) with the Windows-1252 characters they
    /// stand for, as feedparser does ("demoronize").
    static func demoronize(_ bytes: inout [UInt8]) {
        let hasC1Control = bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while let base = buffer.baseAddress, index < buffer.count - 1,
                let found = memchr(base + index, 0xC2, buffer.count - 1 - index)
            {
                index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found)) + 1
                if (0x80...0x9F).contains(buffer[index]) { return true }
            }
            return false
        }
        guard hasC1Control else { return }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                let scalar = Unicode.Scalar(windows1252High[Int(bytes[index + 1]) - 0x80])!
                output += Array(String(Character(scalar)).utf8)
                index += 2
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        bytes = output
    }

    private static let cdataStart = Array("<![CDATA[".utf8)
    private static let cdataEnd = Array("]]>".utf8)
    private static let commentStart = Array("<!--".utf8)
    private static let commentEnd = Array("-->".utf8)
    private static let predefined: Set<String> = ["amp", "lt", "gt", "quot", "apos"]

    private static func mapReferences(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 64)
        input.withUnsafeBufferPointer { input in
            var index = 0
            while index < input.count {
                // Copy the run up to the next "<" or "&" in one go.
                let (lessThan, ampersand) = (UInt8(ascii: "<"), UInt8(ascii: "&"))
                let next = ByteText.firstIndex(
                    in: input,
                    from: index,
                    below: 0,
                    orOneOf: (lessThan, ampersand, ampersand, ampersand)
                )
                if next > index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<next]))
                    index = next
                    continue
                }
                if input[index] == lessThan {
                    if let end = skipSection(input, at: index, start: cdataStart, end: cdataEnd)
                        ?? skipSection(input, at: index, start: commentStart, end: commentEnd)
                    {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<end]))
                        index = end
                    } else {
                        output.append(lessThan)
                        index += 1
                    }
                    continue
                }
                let (replacement, length) = reference(input, at: index)
                output += replacement
                index += length
            }
        }
        return output
    }

    /// The end of a `<![CDATA[…]]>` or `<!--…-->` section starting at `index` (or the end of
    /// the input when it is never closed), nil when no such section starts there.
    private static func skipSection(
        _ input: UnsafeBufferPointer<UInt8>,
        at index: Int,
        start: [UInt8],
        end: [UInt8]
    ) -> Int? {
        guard input[index...].starts(with: start) else { return nil }
        let found = end.withUnsafeBufferPointer { ByteText.firstIndex(of: $0, in: input, from: index + start.count) }
        return found.map { $0 + end.count } ?? input.count
    }

    /// What to write for the `&` at `index`, and how many input bytes that consumes.
    private static func reference<Bytes: RandomAccessCollection<UInt8>>(
        _ input: Bytes,
        at index: Int
    ) -> ([UInt8], Int) where Bytes.Index == Int {
        let escapedAmpersand = Array("&amp;".utf8)
        var cursor = index + 1
        let limit = min(input.count, index + 40)
        if cursor < limit, input[cursor] == UInt8(ascii: "#") {
            cursor += 1
            let hex = cursor < limit && (input[cursor] == UInt8(ascii: "x") || input[cursor] == UInt8(ascii: "X"))
            if hex { cursor += 1 }
            let digitsStart = cursor
            while cursor < limit, isDigit(input[cursor], hex: hex) { cursor += 1 }
            guard cursor > digitsStart, cursor < limit, input[cursor] == UInt8(ascii: ";") else {
                return (escapedAmpersand, 1)
            }
            let digits = String(decoding: input[digitsStart..<cursor], as: UTF8.self)
            let value = UInt32(digits, radix: hex ? 16 : 10) ?? 0
            let length = cursor + 1 - index
            if (0x80...0x9F).contains(value) {
                // &#146; means Windows-1252's right quote on the web, never a C1 control.
                return (Array("&#\(windows1252High[Int(value) - 0x80]);".utf8), length)
            }
            return isXMLChar(value) ? (Array(input[index..<index + length]), length) : (Array("&#65533;".utf8), length)
        }
        while cursor < limit, isNameByte(input[cursor]) { cursor += 1 }
        guard cursor > index + 1, cursor < limit, input[cursor] == UInt8(ascii: ";") else {
            return (escapedAmpersand, 1)
        }
        let name = String(decoding: input[(index + 1)..<cursor], as: UTF8.self)
        let length = cursor + 1 - index
        if predefined.contains(name) { return (Array(input[index..<index + length]), length) }
        if let codepoint = HTMLEntities.codepoints[name] { return (Array("&#\(codepoint);".utf8), length) }
        return (escapedAmpersand, 1)
    }

    private static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
        (48...57).contains(byte) || (hex && ((65...70).contains(byte) || (97...102).contains(byte)))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    private static func isXMLChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
