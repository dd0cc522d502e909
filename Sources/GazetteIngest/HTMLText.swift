import Foundation

/// Turns untrusted HTML into plain text with libxml2's forgiving HTML parser: tags dropped,
/// entities decoded, script and style content removed, blocks separated by line breaks.
public enum HTMLText {
    /// Plain text of an HTML fragment: one line per block, spaces collapsed, control characters
    /// gone, at most `limit` bytes. (Plain text, most titles, skips the parser in `extract`.)
    public static func plainText(fromHTML html: String, limit: Int = 100_000) -> String {
        HTMLContent.extract(html, baseURL: nil, textLimit: limit, htmlLimit: 0, sanitize: false).text
    }

    /// Plain text on one line, for titles.
    public static func plainTextLine(_ html: String, limit: Int = 1_000) -> String {
        var text = plainText(fromHTML: html, limit: limit)
        // memchr: the UTF-8 view's `contains` went a byte at a time, for every title.
        let hasLineFeed = text.withUTF8 { bytes in
            bytes.baseAddress.map { memchr($0, 0x0A, bytes.count) != nil } ?? false
        }
        guard hasLineFeed else { return text }
        return String(decoding: text.utf8.map { $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Escapes text for inclusion in HTML.
    public static func escape(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 16)
        var copy = text
        copy.withUTF8 { ByteText.appendEscaped($0, to: &output) }
        return UTF8Bytes.string(output)
    }
}
