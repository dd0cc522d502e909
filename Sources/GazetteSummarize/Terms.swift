/// Words for similarity: lower-cased, stop words removed, light suffix stripping, so that
/// "earthquakes" and "earthquake" meet. Capitalised words inside a sentence and numbers
/// (names, places, figures: what tells two similar events apart) are marked as salient.
public enum Terms {
    public struct Term: Hashable, Sendable {
        public var stem: String
        public var salient: Bool
    }

    static let stopWords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as",
        "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not",
        "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
        "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs",
        "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
        "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
        "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "new", "one", "two",
        "year", "years", "told", "according", "last", "first", "may", "might", "us", "via", "per", "since", "yet",
    ]

    /// The terms of `text`, at most `limit` of them (tokenizing stops there).
    public static func terms(_ text: String, limit: Int = .max) -> [Term] {
        var result: [Term] = []
        var word: [UInt8] = []
        var capitalised = false
        var sentenceStart = true
        func end() {
            defer {
                word.removeAll(keepingCapacity: true)
                capitalised = false
            }
            guard word.count > 1 else { return }
            let lowered = String(decoding: word, as: UTF8.self)
            guard !stopWords.contains(lowered) else { return }
            let numeric = word.allSatisfy { (48...57).contains($0) }
            result.append(Term(stem: stem(lowered), salient: numeric || (capitalised && !sentenceStart)))
        }
        for byte in text.utf8 {
            if result.count >= limit { break }
            switch byte {
            case 65...90:
                if word.isEmpty { capitalised = true }
                word.append(byte + 32)
            case 97...122, 48...57, 0x80...0xFF:
                word.append(byte)
            case UInt8(ascii: "'"), UInt8(ascii: "-"):
                if !word.isEmpty { word.append(byte) }
            default:
                let hadWord = !word.isEmpty
                end()
                if hadWord { sentenceStart = false }
                if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") || byte == 10 {
                    sentenceStart = true
                }
            }
        }
        if result.count < limit { end() }
        return result
    }

    /// A light stemmer: possessives, plurals and the commonest verb endings.
    static func stem(_ word: String) -> String {
        var w = word
        if w.hasSuffix("'s") { w.removeLast(2) }
        while w.hasSuffix("'") || w.hasSuffix("-") { w.removeLast() }
        guard w.count > 4 else { return w }
        for (suffix, replacement) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")] {
            if w.hasSuffix(suffix), !w.hasSuffix("ss") || suffix == "sses" {
                let stemmed = String(w.dropLast(suffix.count)) + replacement
                if stemmed.count >= 3 { return stemmed }
            }
        }
        return w
    }
}
