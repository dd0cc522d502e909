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

    static let stopWords = TermTable(
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
        ].map { hash($0.utf8) }
    )

    /// Longer words are cut to this many bytes: nothing in news is that long but URLs and junk.
    static let longestWord = 48

    /// What each byte is to the tokenizer: part of a word (upper case, or anything else), an
    /// apostrophe or hyphen (part of a word once it has begun), a sentence end, or a separator.
    private enum ByteClass: UInt8 {
        case separator, sentenceEnd, upper, letter, joiner
    }

    private static let byteClasses: [ByteClass] = (0...255).map { byte in
        switch UInt8(byte) {
        case 65...90: .upper
        case 97...122, 48...57, 0x80...0xFF: .letter
        case UInt8(ascii: "'"), UInt8(ascii: "-"): .joiner
        case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"), 10: .sentenceEnd
        default: .separator
        }
    }

    /// Appends the terms of `text` to `result`, at most `limit` of them: one buffer reused for
    /// many texts allocates once. The text is read as raw UTF-8 and each word is lower-cased into
    /// a small scratch buffer, so no word costs an allocation.
    static func append(_ text: String, limit: Int = .max, to result: inout [Term]) {
        let (sum, overflow) = result.count.addingReportingOverflow(max(limit, 0))
        let end = overflow ? Int.max : sum
        guard result.count < end else { return }
        var text = text
        text.withUTF8 { bytes in
            byteClasses.withUnsafeBufferPointer { classes in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: longestWord) { word in
                    var length = 0
                    var capitalised = false
                    var sentenceStart = true
                    for byte in bytes {
                        switch classes[Int(byte)] {
                        case .upper:
                            if length == 0 { capitalised = true }
                            if length < longestWord { word[length] = byte | 0x20 }
                            length += 1
                        case .letter:
                            if length < longestWord { word[length] = byte }
                            length += 1
                        case .joiner:
                            if length > 0 {
                                if length < longestWord { word[length] = byte }
                                length += 1
                            }
                        case .separator, .sentenceEnd:
                            if length > 0 {
                                let letters = UnsafeBufferPointer(rebasing: word[..<min(length, longestWord)])
                                finish(letters, capitalised: capitalised, sentenceStart: sentenceStart, into: &result)
                                if result.count >= end { return }
                                sentenceStart = false
                                length = 0
                            }
                            capitalised = false
                            if classes[Int(byte)] == .sentenceEnd { sentenceStart = true }
                        }
                    }
                    if length > 0 {
                        let letters = UnsafeBufferPointer(rebasing: word[..<min(length, longestWord)])
                        finish(letters, capitalised: capitalised, sentenceStart: sentenceStart, into: &result)
                    }
                }
            }
        }
    }

    /// Turns a lower-cased word into a term, unless it is a stop word or a single letter.
    private static func finish(
        _ word: UnsafeBufferPointer<UInt8>,
        capitalised: Bool,
        sentenceStart: Bool,
        into result: inout [Term]
    ) {
        guard word.count > 1 else { return }
        let whole = hash(word)
        guard !stopWords.contains(whole) else { return }
        let numeric = word.allSatisfy { (48...57).contains($0) }
        let (kept, ending) = stem(word)
        // Most words are their own stem: their hash is already known.
        let id =
            kept == word.count && ending.isEmpty
            ? whole : hash(ending, continuing: hash(UnsafeBufferPointer(rebasing: word[..<kept])))
        // "it's" and "there's" are stop words once stemmed.
        guard id == whole || !stopWords.contains(id) else { return }
        result.append(Term(id: id, salient: numeric || (capitalised && !sentenceStart)))
    }

    private static let suffixes: [(suffix: [UInt8], replacement: [UInt8])] = [
        ("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// A light stemmer on lower-case bytes: possessives, plurals and the commonest verb endings.
    /// The stem is the word's first `kept` bytes followed by `ending` ("ies" becomes "y"), so
    /// hashing a stem allocates nothing.
    static func stem(_ w: UnsafeBufferPointer<UInt8>) -> (kept: Int, ending: [UInt8]) {
        let apostrophe = UInt8(ascii: "'")
        let s = UInt8(ascii: "s")
        var n = w.count
        // Every ending below ends in s, g, d, an apostrophe or a hyphen: most words end otherwise.
        switch w.last {
        case s, UInt8(ascii: "g"), UInt8(ascii: "d"), apostrophe, UInt8(ascii: "-"): break
        default: return (n, [])
        }
        if n >= 2, w[n - 1] == s, w[n - 2] == apostrophe { n -= 2 }
        while n > 0, w[n - 1] == apostrophe || w[n - 1] == UInt8(ascii: "-") { n -= 1 }
        guard n > 4 else { return (n, []) }
        let endsInSS = w[n - 1] == s && w[n - 2] == s
        for (suffix, replacement) in suffixes
        where n > suffix.count && w[(n - suffix.count)..<n].elementsEqual(suffix) {
            guard !endsInSS || suffix.count == 4 else { continue }
            if n - suffix.count + replacement.count >= 3 { return (n - suffix.count, replacement) }
        }
        return (n, [])
    }

    /// FNV-1a over the bytes; `continuing` a hash extends it as if the bytes were appended.
    static func hash(_ bytes: some Sequence<UInt8>, continuing start: ID = 0xcbf2_9ce4_8422_2325) -> ID {
        var value = start
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return value
    }
}
