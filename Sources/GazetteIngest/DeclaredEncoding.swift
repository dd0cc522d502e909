import CLibXML2
import Foundation

/// Converts a document in a declared 8-bit or East Asian encoding (ISO-8859-1, Windows-1251,
/// GB2312…) to UTF-8 before libxml2 reads it, with libxml2's own converter for that name, so
/// that the characters are the ones libxml2 would have made. libxml2 reads a converted
/// document a character at a time, and such a document's CDATA sections and text cannot be
/// taken out (`CDATASections` reads UTF-8 only): a Chinese or Portuguese feed cost twice as
/// much a byte as a Spanish one.
enum DeclaredEncoding {
    /// The document in UTF-8, its declaration saying so; nil when it declares no encoding,
    /// UTF-8, or one not on the list below, or when libxml2 cannot convert all of it (the
    /// document is then read as it came, for libxml2's own error).
    static func convertedToUTF8(_ document: Data) -> Data? {
        document.withUnsafeBytes { raw -> Data? in
            let bytes = raw.bindMemory(to: UInt8.self)
            // Past `CDATASections`' limit, converting would buy nothing.
            guard bytes.first == UInt8(ascii: "<"), bytes.count < CDATASections.maxDocumentBytes,
                let (name, value) = declaration(in: bytes), isConverted(name)
            else { return nil }
            guard let converted = convert(UnsafeBufferPointer(rebasing: bytes[value.upperBound...]), from: name)
            else { return nil }
            var output = Data(capacity: value.lowerBound + 5 + converted.count)
            output.append(UnsafeBufferPointer(rebasing: bytes[..<value.lowerBound]))
            output.append(contentsOf: "UTF-8".utf8)
            output.append(converted)
            return output
        }
    }

    /// Encodings whose XML declaration is ASCII and whose other bytes libxml2 converts: the
    /// ones news sites use. Others (UTF-16, EBCDIC, UTF-7) are left to libxml2 as they come.
    private static func isConverted(_ name: String) -> Bool {
        let prefixes = ["iso-8859-", "iso8859-", "windows-125", "cp125", "koi8-"]
        let names: Set<String> = [
            "latin1", "latin-1", "gb2312", "gbk", "gb18030", "big5", "euc-jp", "euc-kr", "shift_jis", "us-ascii",
        ]
        return names.contains(name) || prefixes.contains { name.hasPrefix($0) }
    }

    /// The lower-cased encoding name of the XML declaration, and where its value is, when the
    /// declaration is what XML's grammar says (`<?xml`, a blank, `version="…"`, a blank,
    /// `encoding="…"`) and the name is too (an ASCII letter, then letters, digits, `.`, `_`,
    /// `-`): anything else is left for libxml2 to read, or to refuse, as it comes. (A
    /// `<?xml-stylesheet` is not a declaration; a Kelvin sign lower-cases to a `k`.)
    private static func declaration(in bytes: UnsafeBufferPointer<UInt8>) -> (String, Range<Int>)? {
        var cursor = 5
        func skipBlanks() -> Bool {
            let start = cursor
            while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 }
            return cursor > start
        }
        /// `name`, blanks, `=`, blanks and a quoted value: the value's range.
        func attribute(_ name: String) -> Range<Int>? {
            guard bytes[cursor...].starts(with: name.utf8) else { return nil }
            cursor += name.utf8.count
            _ = skipBlanks()
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { return nil }
            cursor += 1
            _ = skipBlanks()
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'")
            else { return nil }
            let quote = bytes[cursor]
            let start = cursor + 1
            guard let end = bytes[start..<min(bytes.count, start + 64)].firstIndex(of: quote) else { return nil }
            cursor = end + 1
            return start..<end
        }
        guard bytes.starts(with: "<?xml".utf8), skipBlanks(), attribute("version") != nil, skipBlanks(),
            let value = attribute("encoding"), let first = value.first.map({ bytes[$0] })
        else { return nil }
        let isLetter = { (byte: UInt8) in (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        guard isLetter(first),
            bytes[value].allSatisfy({ isLetter($0) || (0x30...0x39).contains($0) || "._-".utf8.contains($0) })
        else { return nil }
        return (String(decoding: bytes[value], as: UTF8.self).lowercased(), value)
    }

    /// `bytes` converted from `encoding` by the handler libxml2 would pick for it; nil when
    /// there is none or a byte is not of that encoding.
    private static func convert(_ bytes: UnsafeBufferPointer<UInt8>, from encoding: String) -> Data? {
        LibXML2.initialize
        // A byte the encoding lacks is an error libxml2 would print.
        return LibXML2.silently { convertSilently(bytes, from: encoding) }
    }

    private static func convertSilently(_ bytes: UnsafeBufferPointer<UInt8>, from encoding: String) -> Data? {
        guard let handler = xmlFindCharEncodingHandler(encoding) else { return nil }
        defer { xmlCharEncCloseFunc(handler) }
        guard let input = xmlBufferCreateSize(bytes.count + 1), let output = xmlBufferCreateSize(bytes.count * 2 + 64)
        else { return nil }
        defer {
            xmlBufferFree(input)
            xmlBufferFree(output)
        }
        guard bytes.isEmpty || xmlBufferAdd(input, bytes.baseAddress, Int32(bytes.count)) == 0 else { return nil }
        // A pass stops where the output is full: as many passes as it takes, each one converting
        // some of what is left, until nothing is.
        while xmlBufferLength(input) > 0 {
            let left = xmlBufferLength(input)
            guard xmlCharEncInFunc(handler, output, input) >= 0, xmlBufferLength(input) < left else { return nil }
        }
        guard let content = xmlBufferContent(output) else { return nil }
        return Data(bytes: content, count: Int(xmlBufferLength(output)))
    }
}
