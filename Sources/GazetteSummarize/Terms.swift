/// Words for similarity: lower-cased, stop words removed, light suffix stripping, so that
/// "earthquakes" and "earthquake" meet. Capitalised words inside a sentence and numbers
/// (names, places, figures: what tells two similar events apart) are marked as salient.
///
/// A term is identified by a 64-bit hash of its stem, computed on the UTF-8 bytes: no string
/// is allocated per word, which is most of the cost of summarizing and clustering otherwise.
/// (Two stems sharing a hash is possible in principle and harmless: a tiny similarity error.)
public enum Terms {
    public typealias ID = UInt64

    public struct Term: Hashable, Sendable {
        public var id: ID
        public var salient: Bool
    }

    static let stopWords: Set<ID> = Set(
        [
            "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as",
            "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
            "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had",
            "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i",
            "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no",
            "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
            "over", "own", "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "the",
            "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through",
            "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
            "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
            "yourselves", "new", "one", "two", "year", "years", "told", "according", "last", "first", "may",
            "might", "us", "via", "per", "since", "yet",
        ].map { hash(Array($0.utf8)[...]) }
    )

    /// The terms of `text`, at most `limit` of them (tokenizing stops there).
    public static func terms(_ text: String, limit: Int = .max) -> [Term] {
        var result: [Term] = []
        var word: [UInt8] = []
        word.reserveCapacity(32)
        var capitalised = false
        var sentenceStart = true
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
                if !word.isEmpty {
                    finish(&word, capitalised: capitalised, sentenceStart: sentenceStart, into: &result)
                    sentenceStart = false
                }
                capitalised = false
                if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") || byte == 10 {
                    sentenceStart = true
                }
            }
        }
        if result.count < limit, !word.isEmpty {
            finish(&word, capitalised: capitalised, sentenceStart: sentenceStart, into: &result)
        }
        return result
    }

    /// Turns the word collected so far into a term (unless it is a stop word) and clears it.
    /// A function with `inout` parameters, not a closure over the loop's variables: captured
    /// variables cost a dynamic exclusivity check on every access.
    private static func finish(_ word: inout [UInt8], capitalised: Bool, sentenceStart: Bool, into result: inout [Term])
    {
        defer { word.removeAll(keepingCapacity: true) }
        guard word.count > 1, !stopWords.contains(hash(word[...])) else { return }
        let numeric = word.allSatisfy { (48...57).contains($0) }
        result.append(Term(id: hash(stem(word)), salient: numeric || (capitalised && !sentenceStart)))
    }

    private static let suffixes: [(suffix: [UInt8], replacement: [UInt8])] = [
        ("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// A light stemmer on lower-case bytes: possessives, plurals and the commonest verb endings.
    static func stem(_ word: [UInt8]) -> ArraySlice<UInt8> {
        var w = word[...]
        if w.count >= 2, w.last == UInt8(ascii: "s"), w[w.endIndex - 2] == UInt8(ascii: "'") { w = w.dropLast(2) }
        while let last = w.last, last == UInt8(ascii: "'") || last == UInt8(ascii: "-") { w = w.dropLast() }
        guard w.count > 4 else { return w }
        let endsInSS = w.count >= 2 && w.last == UInt8(ascii: "s") && w[w.endIndex - 2] == UInt8(ascii: "s")
        for (suffix, replacement) in suffixes
        where w.count > suffix.count && w.suffix(suffix.count).elementsEqual(suffix) {
            guard !endsInSS || suffix.count == 4 else { continue }
            let stemmed = Array(w.dropLast(suffix.count)) + replacement
            if stemmed.count >= 3 { return stemmed[...] }
        }
        return w
    }

    /// FNV-1a over the bytes.
    static func hash(_ bytes: ArraySlice<UInt8>) -> ID {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return value
    }
}
