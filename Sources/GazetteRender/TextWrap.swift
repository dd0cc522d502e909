/// Wraps plain text for the text part of an email: words never split, lines at most `width`
/// (a single word longer than that, such as a URL, stands alone on its line).
enum TextWrap {
    static func wrap(_ text: String, width: Int = 72, firstIndent: String? = nil, indent: String = "") -> String {
        var lines: [String] = []
        var prefix = firstIndent ?? indent
        var line = prefix
        for word in text.split(whereSeparator: \.isWhitespace) {
            if line.count > prefix.count, line.count + 1 + word.count > width {
                lines.append(line)
                prefix = indent
                line = prefix
            }
            line += (line.count > prefix.count ? " " : "") + word
        }
        if line.count > prefix.count { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
