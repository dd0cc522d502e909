/// Short pieces of article text for digests and feeds.
public enum TextSnippet {
    /// The article's first sentences that fit in `limit` characters; when even the first
    /// sentence is longer, it is cut at a word boundary and ends with an ellipsis.
    public static func lead(_ text: String, limit: Int = 320) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard flat.count > limit else { return flat }
        var result = ""
        for sentence in sentences(flat) {
            let candidate = result.isEmpty ? sentence : result + " " + sentence
            guard candidate.count <= limit else { break }
            result = candidate
        }
        if !result.isEmpty { return result }
        let cut = flat.prefix(limit - 1)
        let wordEnd = cut.lastIndex(of: " ") ?? cut.endIndex
        return String(cut[..<wordEnd]) + "…"
    }

    /// Splits after `.`, `!` or `?` followed by a space and an upper-case letter or a digit:
    /// good enough for leads, and it keeps "U.S. officials" and "3.5 percent" whole.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            current.append(character)
            if ".!?".contains(character), index + 2 < characters.count, characters[index + 1] == " ",
                characters[index + 2].isUppercase || characters[index + 2].isNumber,
                !(index >= 1 && characters[index - 1].isUppercase && (index < 2 || !characters[index - 2].isLetter))
            {
                result.append(current)
                current = ""
                index += 2
                continue
            }
            index += 1
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
