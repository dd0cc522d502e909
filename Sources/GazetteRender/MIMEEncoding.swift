import Foundation
import GazetteCore

/// The encodings that keep a message 7-bit clean with lines under 998 octets:
/// quoted-printable bodies (RFC 2045) and encoded words in headers (RFC 2047).
enum MIMEEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable with CRLF line ends and encoded lines of at most 76 characters.
    /// Works on the UTF-8 bytes in one pass: a digest is encoded for every reader.
    static func quotedPrintable(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 8)
            var column = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // CRLF, a lone LF or a lone CR: a hard line break.
                if byte == 10 || byte == 13 {
                    output.append(13)
                    output.append(10)
                    column = 0
                    index += (byte == 13 && index + 1 < bytes.count && bytes[index + 1] == 10) ? 2 : 1
                    continue
                }
                let next = index + 1 < bytes.count ? bytes[index + 1] : 10
                let isLast = next == 10 || next == 13
                // Trailing spaces and tabs are encoded: transports may strip them.
                let plain =
                    (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)
                let width = plain ? 1 : 3
                // Leave room for the soft break "=" unless this is the line's last character.
                if column + width > (isLast ? 76 : 75) {
                    output.append(UInt8(ascii: "="))
                    output.append(13)
                    output.append(10)
                    column = 0
                }
                if plain {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0xF)])
                }
                column += width
                index += 1
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Header text as-is when it is short printable ASCII, otherwise as RFC 2047 B-encoded words
    /// of whole UTF-8 characters, folded so that no line exceeds 78 characters.
    static func headerText(_ text: String, nameLength: Int) -> String {
        let isPlain = text.utf8.allSatisfy { $0 >= 32 && $0 < 127 } && !text.contains("=?")
        if isPlain && nameLength + text.utf8.count <= 78 { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 36 bytes make 48 of base64 and a 60-character word: with "Subject: " before it, or a
        // folding space, every line stays under 78 characters.
        // Whole Unicode scalars (never a split UTF-8 sequence); a grapheme longer than a word
        // is split between its scalars rather than producing an empty or overlong word.
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > 36 {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// `Display Name <address>`, the name quoted or encoded as needed.
    static func mailbox(_ mailbox: MailboxName) -> String {
        guard let name = mailbox.displayName, !name.isEmpty else { return mailbox.address.value }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        let rendered: String
        if name.allSatisfy({ atext.contains($0) }) {
            rendered = name
        } else if name.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\"" && $0 != "\\" }) {
            rendered = "\"\(name)\""
        } else {
            rendered = headerText(name, nameLength: 78)
        }
        return "\(rendered) <\(mailbox.address.value)>"
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?utf-8?B?" + Data(bytes).base64EncodedString() + "?="
    }
}
