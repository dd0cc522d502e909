/// Wraps plain text for the text part of an email: words never split, lines at most `width`
/// characters (a single word longer than that, such as a URL, stands alone on its line).
enum TextWrap {
    static func wrap(_ text: String, width: Int = 72, firstIndent: String? = nil, indent: String = "") -> String {
        let first = firstIndent ?? indent
        if isASCII(text), isASCII(first), isASCII(indent) {
            return wrapASCII(text, width: width, firstIndent: first, indent: indent)
        }
        var lines: [String] = []
        var prefix = first
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

    /// The same wrapping for ASCII text, where a byte is a character: written straight into one
    /// buffer (every digest wraps each story's summary and takes, so this runs for every reader).
    private static func wrapASCII(_ text: String, width: Int, firstIndent: String, indent: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + firstIndent.utf8.count + bytes.count / 8 * (indent.utf8.count + 1))
            output += firstIndent.utf8
            var prefixLength = firstIndent.utf8.count
            var lineLength = prefixLength
            var index = 0
            while true {
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                let start = index
                while index < bytes.count, !isSpace(bytes[index]) { index += 1 }
                guard index > start else { break }
                let wordLength = index - start
                if lineLength > prefixLength, lineLength + 1 + wordLength > width {
                    output.append(10)
                    output += indent.utf8
                    prefixLength = indent.utf8.count
                    lineLength = prefixLength
                }
                if lineLength > prefixLength {
                    output.append(32)
                    lineLength += 1
                }
                output += UnsafeBufferPointer(rebasing: bytes[start..<index])
                lineLength += wordLength
            }
            // Only whitespace: no line at all, not a line of indentation.
            return lineLength > prefixLength ? String(decoding: output, as: UTF8.self) : ""
        }
    }

    private static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

    /// ASCII whitespace as `Character.isWhitespace` sees it: space, tab, LF, VT, FF, CR.
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// The words between runs of whitespace, with their length in characters as Swift sees
    /// characters (ASCII text with ASCII indents never comes here: `wrapASCII` splits it).
    private static func words(_ text: String) -> [(Substring, Int)] {
        text.split(whereSeparator: \.isWhitespace).map { ($0, $0.count) }
    }
}
