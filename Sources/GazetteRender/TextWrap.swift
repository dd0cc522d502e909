/// Wraps plain text for the text part of an email: words never split, lines at most `width`
/// characters (a single word longer than that, such as a URL, stands alone on its line).
enum TextWrap {
    static func wrap(_ text: String, width: Int = 72, firstIndent: String? = nil, indent: String = "") -> String {
        var lines: [String] = []
        var prefix = firstIndent ?? indent
        var line = prefix
        // Lengths in characters, kept as numbers: `String.count` walks the string every time.
        var prefixLength = prefix.count
        var lineLength = prefixLength
        for (word, wordLength) in words(text) {
            if lineLength > prefixLength, lineLength + 1 + wordLength > width {
                lines.append(line)
                prefix = indent
                prefixLength = indent.count
                line = prefix
                lineLength = prefixLength
            }
            if lineLength > prefixLength {
                line += " "
                lineLength += 1
            }
            line += word
            lineLength += wordLength
        }
        if lineLength > prefixLength { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// The words between runs of whitespace, with their length in characters. ASCII text (most
    /// of it) is split on its bytes, where a byte is a character; other text character by
    /// character, as Swift sees characters.
    private static func words(_ text: String) -> [(Substring, Int)] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(whereSeparator: \.isWhitespace).map { ($0, $0.count) }
        }
        return text.utf8.split { $0 == 0x20 || (0x09...0x0D).contains($0) }.map { bytes in
            (Substring(bytes), bytes.count)
        }
    }
}
