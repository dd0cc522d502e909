/// Text from outside made safe to embed: no characters that XML 1.0 forbids (which would make
/// a feed unparseable), and, for single-line fields, no line breaks (which would break headers).
enum SafeText {
    static func xml(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter(isXMLCharacter)))
    }

    static func line(_ text: String) -> String {
        xml(text).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
