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

    @Test("two-byte letters are lower-cased as Unicode says; three-byte scripts without case stay whole")
    func twoAndThreeByteScalars() {
        // U+00C0–U+07FF hold no separator: each scalar stays in the word, lower-cased (from the
        // table, or Unicode's mapping of the whole word where the table has none).
        for value in UInt32(0xC0)...0x7FF {
            let text = "x\(Unicode.Scalar(value)!)y"
            #expect(words(text) == [text.lowercased()], "U+\(String(value, radix: 16, uppercase: true))")
        }
        // Lead bytes E0, E3 (but CJK punctuation), E4–E9, EB–EE: copied whole, at the start,
        // the middle and the end of a text.
        let caseless = [0x0800...0x0FFF, 0x3040...0x9FFF, 0xB000...0xD7FF, 0xE000...0xEFFF].joined()
        for value in caseless where value % 7 == 0 {
            let scalar = String(Unicode.Scalar(UInt32(value))!)
            for text in [scalar, "x\(scalar)y", "\(scalar)\(scalar) a", "a \(scalar)"] {
                // Split by scalars: a combining mark after the space makes one Character of both.
                let expected = text.lowercased().unicodeScalars.split(separator: " ")
                    .map { String(String.UnicodeScalarView($0)) }
                #expect(words(text) == expected, "U+\(String(value, radix: 16, uppercase: true)) in \(text)")
            }
        }
    }

    @Test("ASCII text splits at every byte but letters, digits, - and &, and is lower-cased, to its last byte")
    func asciiSweep() {
        // A fixed linear congruential generator: the same texts every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        let alphabet = Array("aZ9-&bY0 .,;:'\"!?()/\t\nQxm".utf8)
        for _ in 0..<3_000 {
            let bytes = (0..<(next() % 40)).map { _ in alphabet[next() % alphabet.count] }
            let text = String(decoding: bytes, as: UTF8.self)
            let expected = text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "&") }
                .map(String.init)
            #expect(words(text) == expected, "\(text.debugDescription)")
        }
    }
}
