import Testing

@testable import GazetteCore

/// The keyword table finds a word by its packed bytes: these hold it to plain comparison at
/// every length around the eight packed bytes, in the middle of a text (one load) and at its
/// end (byte by byte).
@Suite("Keyword index")
struct KeywordIndexTests {
    private let topic = Topic("test")!

    @Test("an exact keyword of 1 to 20 letters matches itself, mid-text and last, and no word one letter off")
    func exactWordsAroundEightBytes() {
        for length in 1...20 {
            let word = String((0..<length).map { Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
            let index = KeywordIndex([topic: TopicRules.Rule(keywords: [word])])
            for text in ["\(word) and more words after it", "before it \(word)", word] {
                #expect(index.matches(in: WordList(text)).count == 1, "\(word) in \(text)")
            }
            // The same word with one letter changed, at every position, in both places; and the
            // word one letter longer or shorter.
            var nearMisses = (0..<length).map { position -> String in
                var letters = Array(word)
                letters[position] = "z"
                return String(letters)
            }
            nearMisses += [word + "s", String(word.dropLast())].filter { !$0.isEmpty }
            for miss in nearMisses where miss != word {
                for text in ["\(miss) and more words after it", "before it \(miss)"] {
                    #expect(index.matches(in: WordList(text)).isEmpty, "\(word) matched \(miss) in \(text)")
                }
            }
        }
    }

    @Test("a prefix keyword matches longer words that start with it, not words that start otherwise")
    func prefixes() {
        let index = KeywordIndex([topic: TopicRules.Rule(keywords: ["parliament*", "tax*"])])
        for text in ["parliamentary vote today", "the parliament", "taxation rises", "new taxes", "tax"] {
            #expect(index.matches(in: WordList(text)).count == 1, "\(text)")
        }
        for text in ["parliamen is short", "syntax error", "taz", "ta", "parlament"] {
            #expect(index.matches(in: WordList(text)).isEmpty, "\(text)")
        }
    }

    @Test("a phrase matches only with all its words in order; a keyword is found once however often it occurs")
    func phrases() {
        let index = KeywordIndex([topic: TopicRules.Rule(keywords: ["prime minister", "central bank"])])
        #expect(index.matches(in: WordList("The Prime Minister met the central bank chief")).count == 2)
        #expect(index.matches(in: WordList("prime time for the minister; the bank is central")).isEmpty)
        #expect(index.matches(in: WordList("central bank, central bank, central bank")).count == 1)
    }
}
