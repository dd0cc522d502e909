/// Keywords grouped by their first word: exact words by their bytes, `prefix*` words by their
/// first three bytes; the rest of a phrase is checked only when its first word matched.
///
/// Most words of a text match no keyword, so the lookup is what costs: a word's first eight
/// bytes packed in an integer (mixed with the rest for a longer word) pick a slot of an
/// open-addressing table, and an empty slot ends it. A hash of every byte and a Dictionary
/// probe (whose SipHash of an integer costs as much) were 5% of `gazette parse`.
struct KeywordIndex: Sendable {
    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var isPrefix: Bool

        init(_ word: Substring) {
            isPrefix = word.utf8.last == UInt8(ascii: "*")
            bytes = Array((isPrefix ? word.dropLast() : word).utf8)
        }

        func matches(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
            isPrefix ? word.starts(with: bytes) : word.elementsEqual(bytes)
        }
    }

    private struct Entry: Sendable {
        var topic: Int
        var first: Pattern
        var rest: [Pattern]
    }

    /// The topics, in the order `Match.topic` counts them.
    let topics: [Topic]
    /// Entry indices are the keywords' ids.
    private var entries: [Entry] = []
    /// Entry ids by the key of their first word, and `prefix*` entries' by the key of its three bytes.
    private let exact: IntegerKeyTable<[Int]>
    private let prefixes: IntegerKeyTable<[Int]>

    /// One keyword found in a text.
    struct Match: Equatable {
        var topic: Int
        var keyword: Int
    }

    init(_ rules: [Topic: TopicRules.Rule]) {
        topics = rules.keys.sorted()
        // Built once, before the first article's topics: reserved, the groups are not rehashed
        // as they grow.
        let keywordCount = rules.values.reduce(0) { $0 + $1.keywords.count }
        var exactGroups = [UInt64: [Int]](minimumCapacity: keywordCount)
        var prefixGroups = [UInt64: [Int]](minimumCapacity: keywordCount)
        for (topicIndex, topic) in topics.enumerated() {
            for keyword in Set(rules[topic]!.keywords) {
                let parts = keyword.split(separator: " ").map(Pattern.init)
                guard let first = parts.first else { continue }
                let id = entries.count
                entries.append(Entry(topic: topicIndex, first: first, rest: Array(parts.dropFirst())))
                first.bytes.withUnsafeBufferPointer { bytes in
                    // Prefix keywords have at least three letters (the configuration checks).
                    if first.isPrefix {
                        prefixGroups[Self.key(UnsafeBufferPointer(rebasing: bytes.prefix(3))), default: []].append(id)
                    } else {
                        exactGroups[Self.key(bytes), default: []].append(id)
                    }
                }
            }
        }
        // In key order, so that the tables are the same from run to run.
        exact = IntegerKeyTable(exactGroups.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        prefixes = IntegerKeyTable(prefixGroups.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
    }

    /// The distinct keywords found in `words`.
    func matches(in words: WordList) -> [Match] {
        var found: [Match] = []
        // Words as pointers into the list's buffer: a slice of an array per word would retain it.
        words.bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            let text = Words(buffer: buffer, spans: words.spans)
            for position in 0..<text.count {
                let word = text[position]
                // The word's first eight bytes in one load, where the buffer holds eight from its
                // start (for all but the last words of a text).
                let head =
                    word.baseAddress! + 8 <= start + buffer.count
                    ? UInt64(littleEndian: UnsafeRawPointer(word.baseAddress!).loadUnaligned(as: UInt64.self))
                    : Self.head(of: word)
                // The two groups one at a time: joining them would allocate for every word.
                if let ids = exact[Self.key(word, head: head)] {
                    collect(ids, word: word, at: position, in: text, into: &found)
                }
                if word.count >= 3, let ids = prefixes[head & 0xFF_FFFF] {
                    collect(ids, word: word, at: position, in: text, into: &found)
                }
            }
        }
        return found
    }

    /// A word list's words, borrowed.
    private struct Words {
        var buffer: UnsafeBufferPointer<UInt8>
        var spans: [Range<Int>]

        var count: Int { spans.count }

        subscript(position: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: buffer[spans[position]])
        }
    }

    /// The keywords of `ids` (entry ids) that match at `position`, added to `found` once each.
    private func collect(
        _ ids: [Int],
        word: UnsafeBufferPointer<UInt8>,
        at position: Int,
        in words: Words,
        into found: inout [Match]
    ) {
        for id in ids {
            let entry = entries[id]
            guard entry.first.matches(word), restMatches(entry.rest, words, after: position) else { continue }
            let match = Match(topic: entry.topic, keyword: id)
            if !found.contains(match) { found.append(match) }
        }
    }

    private func restMatches(_ rest: [Pattern], _ words: Words, after position: Int) -> Bool {
        guard position + rest.count < words.count else { return rest.isEmpty }
        for (offset, pattern) in rest.enumerated() where !pattern.matches(words[position + 1 + offset]) {
            return false
        }
        return true
    }

    /// A word's key: its first eight bytes packed (little-endian), then for a longer word each
    /// further byte mixed in. Never 0 (word bytes are not), and the same for equal words; two
    /// words may share one, since every candidate is checked against the word itself. A
    /// prefix's key is its three bytes', the low three bytes of a longer word's head.
    static func key(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 { key(word, head: head(of: word)) }

    /// The key, given the word's first eight bytes packed (and whatever follows a shorter word).
    @inline(__always) private static func key(_ word: UnsafeBufferPointer<UInt8>, head: UInt64) -> UInt64 {
        guard word.count > 8 else { return word.count == 8 ? head : head & ((1 << (8 &* UInt64(word.count))) &- 1) }
        var key = head
        for offset in 8..<word.count { key = (key ^ UInt64(word[offset])) &* 0x100_0000_01b3 }
        return key | 1
    }

    /// Up to eight bytes of a word packed, little-endian.
    private static func head(of word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var head: UInt64 = 0
        for offset in 0..<min(word.count, 8) { head |= UInt64(word[offset]) << (8 &* UInt64(offset)) }
        return head
    }
}
