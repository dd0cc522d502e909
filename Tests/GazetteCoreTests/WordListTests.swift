import Testing

@testable import GazetteCore

@Suite("Word lists")
struct WordListTests {
    private func words(_ text: String) -> [String] {
        let list = WordList(text)
        return list.spans.map { String(decoding: list.bytes[$0], as: UTF8.self) }
    }

    @Test("CJK and fullwidth punctuation end words; what stays in a word is lower-cased as Unicode says")
    func cjkAndFullwidthForms() {
        // Every scalar of the two blocks between two letters: a separator splits them, any other
        // scalar stays in the one word, lower-cased exactly as String.lowercased() does it.
        for value in Array(UInt32(0x3000)...0x303F) + Array(UInt32(0xFF00)...0xFFFF) {
            let scalar = String(Unicode.Scalar(value)!)
            let found = words("x\(scalar)y")
            let category = Unicode.Scalar(value)!.properties.generalCategory
            let isSeparator: Bool
            switch category {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
                .spaceSeparator, .lineSeparator, .paragraphSeparator:
                isSeparator = value <= 0xFFEF
            default:
                isSeparator = false
            }
            let expected = isSeparator ? ["x", "y"] : ["x\(scalar)y".lowercased()]
            #expect(found == expected, "U+\(String(value, radix: 16, uppercase: true))")
        }
    }

    @Test("a Chinese or Japanese clause splits at its punctuation")
    func clauses() {
        #expect(words("「経済」と物価、回復へ。") == ["経済", "と物価", "回復へ"])
        #expect(words("ＡＰＰＬＥ（新製品）") == ["ａｐｐｌｅ", "新製品"])
        #expect(words("中国经济\u{3000}增长") == ["中国经济", "增长"])
    }
}
