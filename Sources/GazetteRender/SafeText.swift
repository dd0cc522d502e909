import Foundation

/// Text from outside made safe to embed: no characters that XML 1.0 forbids (which would make
/// a feed unparseable), and, for single-line fields, no line breaks (which would break headers).
enum SafeText {
    static func xml(_ text: String) -> String {
        // Almost all text is valid as it is: checked on the bytes, it is returned untouched.
        guard !text.utf8.contains(where: mightBeForbidden) else {
            return String(String.UnicodeScalarView(text.unicodeScalars.filter(isXMLCharacter)))
        }
        return text
    }

    /// A byte that may start a character XML forbids: a control other than tab, LF and CR, or
    /// 0xEF, which leads U+FFFE and U+FFFF (and many allowed characters: they take the slow path).
    private static func mightBeForbidden(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0xEF
    }

    static func line(_ text: String) -> String {
        // Most titles hold no byte that can start a line break (LF, VT, FF, CR, or the leads of
        // U+0085, U+2028 and U+2029): they are only checked for XML.
        guard text.utf8.contains(where: { (0x0A...0x0D).contains($0) || $0 == 0xC2 || $0 == 0xE2 }) else {
            return xml(text)
        }
        // Lines are joined before XML's forbidden characters go, so that a vertical tab or form
        // feed between two words still leaves a space.
        return xml(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }

    /// For a header value: every run of control characters (C0, DEL, C1; CR and LF among them)
    /// becomes one space, so that no text from a feed can end a header or start another.
    static func header(_ text: String) -> String {
        // Most subjects hold no control: no byte below 0x20, no DEL, no 0xC2 (which leads the
        // C1 controls, U+0080 to U+009F).
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        return text.unicodeScalars.split { $0.properties.generalCategory == .control }
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }

    /// A link from a feed, kept only when it is an absolute http or https URL without spaces or
    /// controls: the store holds no other kind, and the templates never trust that it does not.
    static func webURL(_ text: String?) -> String? {
        guard let text, !containsSpaceControlOrQuote(text), let url = URL(string: text),
            ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false
        else { return nil }
        return text
    }

    /// Whitespace, a control below U+0020 or `"`: checked on the bytes when the text is ASCII
    /// (ASCII whitespace is U+0009 to U+000D and the space, all at or below U+0020).
    private static func containsSpaceControlOrQuote(_ text: String) -> Bool {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0 == "\"" }
        }
        return text.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") }
    }

    private static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
