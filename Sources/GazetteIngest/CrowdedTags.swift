import Foundation

/// Finds start tags with more attributes than any feed needs. libxml2 2.9 checks each
/// attribute of a tag against every one before it, in its XML parser and in its HTML parser:
/// a tag of 50,000 attributes (half a megabyte) takes it seconds, a 10 MB feed's worth most of
/// an hour. A feed with such a tag is refused before libxml2 reads it; an article's HTML ends
/// before it.
enum CrowdedTags {
    /// Far more than any element needs, and few enough for libxml2 to check quickly.
    static let maxAttributes = 1_000

    /// Where the first start tag with more than `maxAttributes` attributes begins in an HTML
    /// fragment, read as libxml2's HTML parser reads a tag: an attribute follows a blank or a
    /// closing quote, a quote opens a value only after `=`, and the tag ends at a `>` outside one.
    static func startOfFirst(inHTML html: String) -> Int? {
        var html = html
        return html.withUTF8 { bytes -> Int? in
            let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            var index = 0
            while index < bytes.count {
                guard let tagStart = bytes[index...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
                index = tagStart + 1
                guard index < bytes.count, (0x41...0x5A).contains(bytes[index] & 0xDF) else { continue }
                var attributes = 0
                var afterSeparator = false
                while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "=") {
                        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
                        guard index < bytes.count, bytes[index] == 0x22 || bytes[index] == 0x27 else { continue }
                        let quote = bytes[index]
                        index = (bytes[(index + 1)...].firstIndex(of: quote) ?? bytes.count) + 1
                        afterSeparator = true
                    } else if isBlank(byte) {
                        afterSeparator = true
                    } else {
                        if afterSeparator { attributes += 1 }
                        afterSeparator = false
                        if attributes > maxAttributes { return tagStart }
                    }
                }
            }
            return nil
        }
    }

    /// Why the document is refused before libxml2 reads it: a start tag with more than
    /// `maxAttributes` attributes (counted as the `=` outside quoted values, outside comments,
    /// CDATA sections and processing instructions), or an encoding in which no byte scan can
    /// count them (UTF-7: feeds never use it). UTF-16 and UTF-32 are read as UTF-8.
    static func refusal(for document: Data) -> FeedParseError? {
        let line: Int?
        // (EBCDIC never gets here: to FeedBytes it is not UTF-8, so it is read as Windows-1252.)
        if let (width, bigEndian) = wideEncoding(of: document) {
            line = lineOfFirst(in: Data(decodeWide(document, width: width, bigEndian: bigEndian).utf8))
        } else {
            if let encoding = FeedBytes.declaredEncoding(document),
                encoding.filter { $0 != "-" }.hasPrefix("utf7")
                    || encoding.hasSuffix("utf-7")
            {
                return FeedParseError(line: nil, message: "the document is in UTF-7, which feeds never use")
            }
            line = lineOfFirst(in: document)
        }
        return line.map {
            FeedParseError(
                line: $0,
                message: "an element has more than \(maxAttributes) attributes, which feeds never need"
            )
        }
    }

    /// UTF-16 or UTF-32 (the code unit's width in bytes, and its byte order) as libxml2 detects
    /// them: by a byte-order mark, or by how `<` is written.
    private static func wideEncoding(of document: Data) -> (width: Int, bigEndian: Bool)? {
        let start = Array(document.prefix(4)) + [1, 1, 1, 1]
        switch (start[0], start[1], start[2], start[3]) {
        case (0xFF, 0xFE, 0, 0), (0x3C, 0, 0, 0): return (4, false)
        case (0, 0, 0xFE, 0xFF), (0, 0, 0, 0x3C): return (4, true)
        case (0xFF, 0xFE, _, _), (0x3C, 0, _, _): return (2, false)
        case (0xFE, 0xFF, _, _), (0, 0x3C, _, _): return (2, true)
        default: return nil
        }
    }

    /// The text, invalid sequences replaced (U+FFFD): what libxml2 reads up to where it stops.
    private static func decodeWide(_ document: Data, width: Int, bigEndian: Bool) -> String {
        let bytes = [UInt8](document)
        let units = stride(from: 0, to: bytes.count - width + 1, by: width).map { offset in
            (0..<width).reduce(UInt32(0)) { value, index in
                value | UInt32(bytes[offset + index]) << (8 * (bigEndian ? width - 1 - index : index))
            }
        }
        if width == 2 { return String(decoding: units.map { UInt16($0) }, as: UTF16.self) }
        var text = String.UnicodeScalarView()
        for unit in units { text.append(Unicode.Scalar(unit) ?? "\u{FFFD}") }
        return String(text)
    }

    private static func lineOfFirst(in document: Data) -> Int? {
        document.withUnsafeBytes { raw in lineOfFirst(in: raw.bindMemory(to: UInt8.self)) }
    }

    private static func lineOfFirst(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        // The walk below counts `=` bytes: a document with no more than the limit in all has no
        // tag past it, and memchr counts them faster than the walk reads the tags.
        guard hasMoreThan(maxAttributes, of: UInt8(ascii: "="), in: bytes) else { return nil }
        var index = 0
        while let tagStart = find(UInt8(ascii: "<"), in: bytes, from: index) {
            index = tagStart + 1
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "!"):
                let end: StaticString =
                    starts(with: "<!--", in: bytes, at: tagStart)
                    ? "-->" : starts(with: "<![CDATA[", in: bytes, at: tagStart) ? "]]>" : ">"
                guard let close = ByteText.firstIndex(of: ByteText.bytes(of: end), in: bytes, from: index) else {
                    return nil
                }
                index = close + end.utf8CodeUnitCount
            case UInt8(ascii: "?"):
                guard let close = ByteText.firstIndex(of: ByteText.bytes(of: "?>"), in: bytes, from: index) else {
                    return nil
                }
                index = close + 2
            default:
                var equalSigns = 0
                while true {
                    // Sixteen or eight bytes at a time to the next byte that matters.
                    index = ByteText.firstIndex(
                        in: bytes,
                        from: index,
                        below: 0,
                        orOneOf: (UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "="))
                    )
                    guard index < bytes.count, bytes[index] != UInt8(ascii: ">") else { break }
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        index = (find(byte, in: bytes, from: index) ?? bytes.count) + 1
                    } else {
                        equalSigns += 1
                        if equalSigns > maxAttributes {
                            return 1 + bytes[..<tagStart].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                        }
                    }
                }
            }
        }
        return nil
    }

    /// Whether `byte` occurs more than `limit` times, counted with memchr up to the one past it.
    private static func hasMoreThan(_ limit: Int, of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var (index, found) = (0, 0)
        while found <= limit, index < bytes.count, let match = memchr(base + index, Int32(byte), bytes.count - index) {
            index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(match)) + 1
            found += 1
        }
        return found > limit
    }

    private static func starts(with prefix: StaticString, in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        bytes[index...].starts(with: ByteText.bytes(of: prefix))
    }

    /// Where `byte` first occurs at or after `start` (no array per search: one was made for
    /// every tag and every quoted value of every feed).
    private static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        withUnsafePointer(to: byte) {
            ByteText.firstIndex(of: UnsafeBufferPointer(start: $0, count: 1), in: bytes, from: start)
        }
    }
}
