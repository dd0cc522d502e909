import Foundation

/// Takes the CDATA sections out of a UTF-8 feed before libxml2 reads it, leaving a short marker
/// in each one's place, and puts their bytes back when an element's text is read. libxml2
/// reads a CDATA section a character at a time, decoding and checking each: it was half of its
/// time on real feeds, whose articles come in CDATA. Text between tags that holds non-ASCII
/// characters or references is taken out the same way, as a section of its own, its
/// references decoded here (`Scanner.textSection` says when). A marker is U+FDD0, the
/// section's number,
/// U+FDD1, and as many line feeds as the section held (libxml2 counts lines for its errors).
/// U+FDD0 and U+FDD1 are noncharacters that XML allows; a document that holds either is left
/// whole, so every marker in a text is one of ours.
///
/// Only what is certain is taken out: sections inside the root element, under a megabyte,
/// without the characters libxml2 would refuse or change (C0 controls but tab and line feed,
/// carriage returns, U+FFFE, U+FFFF); comments, processing instructions and quoted attribute
/// values are skipped as libxml2 skips them; a DOCTYPE or anything unclosed leaves the rest of
/// the document as it is.
final class CDATASections {
    /// The original document, which the sections' ranges point into.
    private let source: Data
    private let ranges: [Range<Int>]
    /// A text section's bytes with its references decoded; nil: its range of `source` as it is.
    private let decoded: [[UInt8]?]
    /// How many line feeds follow each one's marker.
    private let lineFeeds: [Int]

    private init(source: Data, ranges: [Range<Int>], decoded: [[UInt8]?], lineFeeds: [Int]) {
        self.source = source
        self.ranges = ranges
        self.decoded = decoded
        self.lineFeeds = lineFeeds
    }

    static let markerStart: [UInt8] = [0xEF, 0xB7, 0x90]  // U+FDD0
    static let markerEnd: [UInt8] = [0xEF, 0xB7, 0x91]  // U+FDD1
    static let maxSectionBytes = 1 << 20
    /// Past this, a text node could reach libxml2's limit of 10 MB with a section but not with its marker.
    static let maxDocumentBytes = 10_000_000

    /// The document with its sections taken out, and the sections; nil when none was taken out.
    static func extract(from document: Data) -> (document: [UInt8], sections: CDATASections)? {
        document.withUnsafeBytes { raw -> ([UInt8], CDATASections)? in
            let bytes = raw.bindMemory(to: UInt8.self)
            // A second byte of 0 is UTF-16 or UTF-32 without a byte-order mark.
            guard bytes.count >= 2, bytes.count < maxDocumentBytes, bytes[0] == UInt8(ascii: "<"), bytes[1] != 0,
                FeedBytes.declaredEncoding(bytes).map({ $0 == "utf-8" || $0 == "utf8" }) ?? true,
                !contains(markerStart, in: bytes), !contains(markerEnd, in: bytes), !referencesMarker(bytes)
            else { return nil }
            var scanner = Scanner(bytes: bytes)
            scanner.scan()
            guard !scanner.sections.isEmpty else { return nil }
            // An array, not `Data`: Data's appends of a repeated byte or of a string's bytes went
            // an element at a time, and were half of this function's time.
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var copied = 0
            for (number, section) in scanner.sections.enumerated() {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<section.whole.lowerBound]))
                output.append(contentsOf: markerStart)
                appendDecimal(number, to: &output)
                output.append(contentsOf: markerEnd)
                for _ in 0..<section.lineFeeds { output.append(0x0A) }
                copied = section.whole.upperBound
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            let sections = CDATASections(
                source: document,
                ranges: scanner.sections.map(\.content),
                decoded: scanner.sections.map(\.decoded),
                lineFeeds: scanner.sections.map(\.lineFeeds)
            )
            return (output, sections)
        }
    }

    static func containsMarker(_ text: UnsafeBufferPointer<UInt8>) -> Bool { contains(markerStart, in: text) }

    /// A section's number in decimal digits.
    private static func appendDecimal(_ number: Int, to output: inout [UInt8]) {
        var divisor = 1
        while divisor <= number / 10 { divisor *= 10 }
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(number / divisor % 10))
            divisor /= 10
        }
    }

    /// Whether a character reference anywhere in the document (`&#xFDD0;`, `&#64977;`, any
    /// leading zeros) stands for U+FDD0 or U+FDD1: libxml2 would put it in a text as a marker.
    private static func referencesMarker(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var index = 0
        while index < bytes.count, let found = memchr(base + index, Int32(UInt8(ascii: "&")), bytes.count - index) {
            index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found)) + 1
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "#") else { continue }
            var cursor = index + 1
            let hex = bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X")
            if hex { cursor += 1 }
            var value = 0
            while cursor < bytes.count, value <= 0x10FFFF {
                let byte = bytes[cursor] | 0x20
                if (0x30...0x39).contains(bytes[cursor]) {
                    value = value * (hex ? 16 : 10) + Int(bytes[cursor] - 0x30)
                } else if hex, (0x61...0x66).contains(byte) {
                    value = value * 16 + Int(byte - 0x61 + 10)
                } else {
                    break
                }
                cursor += 1
            }
            if value == 0xFDD0 || value == 0xFDD1 { return true }
        }
        return false
    }

    /// `text` with every marker replaced by its section's bytes.
    func expand(_ text: UnsafeBufferPointer<UInt8>) -> String {
        guard Self.containsMarker(text) else { return UTF8Bytes.string(text) }
        // The common case, an element that is one section (`content:encoded`): its bytes, with
        // no copy between.
        if let (number, end) = marker(in: text, at: 0), end + lineFeeds[number] == text.count,
            text[end...].allSatisfy({ $0 == 0x0A })
        {
            return withBytes(of: number) { UTF8Bytes.string($0) }
        }
        var output: [UInt8] = []
        do {
            var index = 0
            while index < text.count {
                // The text up to the next marker, in one copy.
                let next = Self.markerStart.withUnsafeBufferPointer {
                    ByteText.firstIndex(of: $0, in: text, from: index)
                }
                let runEnd = next ?? text.count
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[index..<runEnd]))
                index = runEnd
                guard index < text.count else { break }
                guard let (number, end) = marker(in: text, at: index) else {
                    output.append(text[index])
                    index += 1
                    continue
                }
                withBytes(of: number) { output.append(contentsOf: $0) }
                // The line feeds that stood in for the section's own.
                var lines = lineFeeds[number]
                index = end
                while lines > 0, index < text.count, text[index] == 0x0A {
                    index += 1
                    lines -= 1
                }
            }
        }
        return UTF8Bytes.string(output)
    }

    /// The text with its references decoded as libxml2 decodes them: the five entities XML
    /// declares, and character references to characters XML allows. nil for anything else (an
    /// undeclared entity, `&#X41;`, `&#0;`, a missing `;`), for libxml2 to report.
    static func decodingReferences(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let base = text.baseAddress else { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard let found = memchr(base + index, Int32(UInt8(ascii: "&")), text.count - index) else {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[index...]))
                break
            }
            let ampersand = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[index..<ampersand]))
            // The longest reference taken here, `&#x10FFFF;` or `&#1114111;`, is ten bytes.
            let searchEnd = min(text.count, ampersand + 11)
            guard let semicolon = text[(ampersand + 1)..<searchEnd].firstIndex(of: UInt8(ascii: ";")) else {
                return nil
            }
            let name = UnsafeBufferPointer(rebasing: text[(ampersand + 1)..<semicolon])
            if name.first == UInt8(ascii: "#") {
                guard let scalar = characterReference(UnsafeBufferPointer(rebasing: name.dropFirst())) else {
                    return nil
                }
                output.append(contentsOf: UTF8.encode(scalar)!)
            } else if let character = predefinedEntities.first(where: { name.elementsEqual($0.name) }) {
                output.append(character.byte)
            } else {
                return nil
            }
            index = semicolon + 1
        }
        return output
    }

    private static let predefinedEntities: [(name: [UInt8], byte: UInt8)] = [
        ("lt", "<"), ("gt", ">"), ("amp", "&"), ("quot", "\""), ("apos", "'"),
    ].map { (Array($0.0.utf8), UInt8(ascii: $0.1)) }

    /// The character of `&#…;` (the part between `#` and `;`): decimal, or hexadecimal after a
    /// lower-case `x` (XML has no `&#X`), for a character XML allows but U+FDD0 and U+FDD1.
    private static func characterReference(_ digits: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        let hex = digits.first == UInt8(ascii: "x")
        let number = hex ? UnsafeBufferPointer(rebasing: digits.dropFirst()) : digits
        guard !number.isEmpty else { return nil }
        var value: UInt32 = 0
        for byte in number {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + digit
            guard value <= 0x10FFFF else { return nil }
        }
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFDCF, 0xFDD2...0xFFFD, 0x10000...0x10FFFF:
            return Unicode.Scalar(value)
        default:
            return nil
        }
    }

    /// What section `number` stands for.
    private func withBytes<Result>(of number: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let bytes = decoded[number] { return bytes.withUnsafeBufferPointer(body) }
        return source.withUnsafeBytes { raw in
            body(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[ranges[number]]))
        }
    }

    /// The section number of the marker at `index`, and where the marker's number ends.
    private func marker(in text: UnsafeBufferPointer<UInt8>, at index: Int) -> (Int, Int)? {
        guard text[index] == 0xEF, index + 3 <= text.count,
            text[index..<index + 3].elementsEqual(Self.markerStart)
        else { return nil }
        var cursor = index + 3
        var number = 0
        while cursor < text.count, (0x30...0x39).contains(text[cursor]), number < ranges.count {
            number = number * 10 + Int(text[cursor] - 0x30)
            cursor += 1
        }
        guard cursor > index + 3, number < ranges.count, cursor + 3 <= text.count,
            text[cursor..<cursor + 3].elementsEqual(Self.markerEnd)
        else { return nil }
        return (number, cursor + 3)
    }

    private static func contains(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        needle.withUnsafeBufferPointer { ByteText.firstIndex(of: $0, in: bytes, from: 0) } != nil
    }
}

/// One pass over the document's markup, finding the CDATA sections that can be taken out.
private struct Scanner {
    struct Section {
        /// What the marker stands in for: from `<![CDATA[` to `]]>`, or a text, or a `url` value.
        var whole: Range<Int>
        var content: Range<Int>
        var lineFeeds: Int
        /// Text with references: the text they stand for.
        var decoded: [UInt8]? = nil
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var sections: [Section] = []
    private var index = 0
    private var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Stops at the first thing it is not sure of: the sections found so far stand (what
    /// came before is what libxml2 read too), the rest stays in place.
    mutating func scan() {
        guard let base = bytes.baseAddress else { return }
        while index < bytes.count {
            guard let found = memchr(base + index, 0x3C, bytes.count - index) else { return }
            let textEnd = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if depth > 0, (Self.minTextBytes...CDATASections.maxSectionBytes).contains(textEnd - index),
                let section = textSection(index..<textEnd)
            {
                sections.append(section)
            }
            index = textEnd
            // By the byte after `<` first: a start tag, the common case, costs no comparison.
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if next == UInt8(ascii: "!"), starts(with: "<![CDATA[") {
                guard depth > 0, let end = find("]]>", from: index + 9) else { return }
                let content = (index + 9)..<end
                if content.count <= CDATASections.maxSectionBytes, let lineFeeds = lineFeedsIfPlain(content) {
                    sections.append(Section(whole: index..<(end + 3), content: content, lineFeeds: lineFeeds))
                }
                index = end + 3
            } else if next == UInt8(ascii: "!"), starts(with: "<!--") {
                guard let end = find("-->", from: index + 4) else { return }
                index = end + 3
            } else if next == UInt8(ascii: "?") {
                guard let end = find("?>", from: index + 2) else { return }
                index = end + 2
            } else if next == UInt8(ascii: "!") {
                // A DOCTYPE (or worse): its internal subset has rules of its own.
                return
            } else if next == UInt8(ascii: "/") {
                guard depth > 0, let end = find(">", from: index + 2) else { return }
                depth -= 1
                index = end + 1
            } else {
                let sectionsBefore = sections.count
                guard let end = endOfStartTag(from: index + 1, takingOutURLs: depth > 0) else {
                    sections.removeSubrange(sectionsBefore...)
                    return
                }
                if bytes[end - 1] != UInt8(ascii: "/") { depth += 1 }
                index = end + 1
            }
        }
    }

    private func starts(with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return memcmp(bytes.baseAddress! + index, prefix.utf8Start, count) == 0
    }

    private func find(_ needle: StaticString, from start: Int) -> Int? {
        ByteText.firstIndex(of: ByteText.bytes(of: needle), in: bytes, from: start)
    }

    /// The `>` that ends the start tag, past quoted attribute values (which may hold `>`).
    /// - Parameter takingOutURLs: whether `url` values with references become sections.
    private mutating func endOfStartTag(from start: Int, takingOutURLs: Bool) -> Int? {
        let (doubleQuote, singleQuote) = (UInt8(ascii: "\""), UInt8(ascii: "'"))
        var cursor = start
        while true {
            // Sixteen or eight bytes at a time to the next quote or angle bracket, then memchr to
            // a quote's end.
            cursor = ByteText.firstIndex(
                in: bytes,
                from: cursor,
                below: 0,
                orOneOf: (doubleQuote, singleQuote, UInt8(ascii: ">"), UInt8(ascii: "<"))
            )
            guard cursor < bytes.count else { return nil }
            switch bytes[cursor] {
            case UInt8(ascii: ">"): return cursor
            // Not well-formed: libxml2 will say so, and its recovery decides.
            case UInt8(ascii: "<"): return nil
            case let quote:
                guard let close = memchr(bytes.baseAddress! + cursor + 1, Int32(quote), bytes.count - cursor - 1)
                else { return nil }
                let valueEnd = UnsafeRawPointer(bytes.baseAddress!).distance(to: UnsafeRawPointer(close))
                if takingOutURLs, let section = urlSection(quotedAt: cursor, to: valueEnd, tagStart: start) {
                    sections.append(section)
                }
                cursor = valueEnd + 1
            }
        }
    }

    /// A `url` attribute's value (between the quotes at `quote` and `end`) as a section, when it
    /// holds a reference that `decodingReferences` decodes and nothing libxml2 would change or
    /// refuse (a control character, which it turns into a space, or `<`). libxml2 reads a value
    /// with a reference a character at a time: the media URLs with query strings that some
    /// outlets give every item (`?w=140&amp;q=55&amp;…`) were a twelfth of the Guardian's
    /// parse. Only `url`, the media and enclosure attribute, which the tree builder stores as
    /// it is: libxml2 reads `xmlns`, `xml:base` and others itself.
    private func urlSection(quotedAt quote: Int, to end: Int, tagStart: Int) -> Section? {
        let value = (quote + 1)..<end
        guard value.count >= Self.minTextBytes,
            memchr(bytes.baseAddress! + value.lowerBound, Int32(UInt8(ascii: "&")), value.count) != nil
        else { return nil }
        // The name before `=`: `url`, after a blank.
        var back = quote - 1
        while back > tagStart, isBlank(bytes[back]) { back -= 1 }
        guard bytes[back] == UInt8(ascii: "=") else { return nil }
        back -= 1
        while back > tagStart, isBlank(bytes[back]) { back -= 1 }
        guard back - 3 >= tagStart, bytes[back - 2] == UInt8(ascii: "u"), bytes[back - 1] == UInt8(ascii: "r"),
            bytes[back] == UInt8(ascii: "l"), isBlank(bytes[back - 3])
        else { return nil }
        let text = UnsafeBufferPointer(rebasing: bytes[value])
        let lessThan = UInt8(ascii: "<")
        guard
            ByteText.firstIndex(in: text, from: 0, below: 0x20, orOneOf: (lessThan, lessThan, lessThan, lessThan))
                == text.count,
            // U+FFFE and U+FFFF, which libxml2 refuses (and no line feed: there is none).
            lineFeedsIfPlain(value) == 0,
            let decoded = CDATASections.decodingReferences(text)
        else { return nil }
        return Section(whole: value, content: value, lineFeeds: 0, decoded: decoded)
    }

    private func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Text shorter than this stays: its marker would cost libxml2 about as much.
    static let minTextBytes = 24

    /// The text between two tags as a section, when it holds a non-ASCII character or a
    /// reference and libxml2 would take it as it is or as `decodingReferences` decodes it (nil:
    /// not): no `]]>`, and what `lineFeedsIfPlain` asks of a section. libxml2 reads text a
    /// character at a time, through its decoder, from the first non-ASCII byte to the next
    /// `<`, and hands each reference over on its own: the text of the outlets that write in
    /// Spanish, German or Russian, and the escaped HTML of those that send it so, is not read
    /// at all. (ASCII text alone libxml2 reads faster than a marker and its expansion cost.)
    private func textSection(_ range: Range<Int>) -> Section? {
        let text = UnsafeBufferPointer(rebasing: bytes[range])
        let base = text.baseAddress!
        // memchr for each byte that needs a look: the C library's vector search, several
        // times faster than one pass that looks for both.
        let holdsReference = memchr(base, Int32(UInt8(ascii: "&")), text.count) != nil
        var index = 0
        while let found = memchr(base + index, Int32(UInt8(ascii: "]")), text.count - index) {
            index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found)) + 1
            // `]]>` outside a section is an error.
            if index + 1 < text.count, text[index] == UInt8(ascii: "]"), text[index + 1] == UInt8(ascii: ">") {
                return nil
            }
        }
        guard holdsReference || Self.holdsNonASCII(text), let lineFeeds = lineFeedsIfPlain(range) else { return nil }
        guard holdsReference else { return Section(whole: range, content: range, lineFeeds: lineFeeds) }
        guard let decoded = CDATASections.decodingReferences(text) else { return nil }
        return Section(whole: range, content: range, lineFeeds: lineFeeds, decoded: decoded)
    }

    /// Whether a byte has its high bit set, eight bytes at a time.
    private static func holdsNonASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= text.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
            index += 8
        }
        while index < text.count {
            if text[index] >= 0x80 { return true }
            index += 1
        }
        return false
    }

    /// The section's line feeds, when libxml2 would take its characters as they are (nil: not).
    private func lineFeedsIfPlain(_ range: Range<Int>) -> Int? {
        let section = UnsafeBufferPointer(rebasing: bytes[range])
        var lineFeeds = 0
        var index = 0
        while true {
            // To the next byte below 0x20 or 0xEF, sixteen or eight bytes at a time.
            index = ByteText.firstIndex(in: section, from: index, below: 0x20, orOneOf: (0xEF, 0xEF, 0xEF, 0xEF))
            guard index < section.count else { return lineFeeds }
            let byte = section[index]
            if byte == 0x0A {
                lineFeeds += 1
            } else if byte < 0x20, byte != 0x09 {
                return nil
            } else if byte == 0xEF, index + 2 < section.count, section[index + 1] == 0xBF, section[index + 2] >= 0xBE {
                return nil
            }
            index += 1
        }
    }
}
