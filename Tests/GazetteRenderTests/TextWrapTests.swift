import TestSupport
import Testing

@testable import GazetteRender

@Suite("Text wrapping")
struct TextWrapTests {
    @Test("lines of at most the width in characters, words never split, any whitespace a break")
    func wrap() {
        let text =
            "The council\tapproved the\r\nbudget on Monday after a debate that ran late into the night, 42 to 17."
        let wrapped = TextWrap.wrap(text, width: 30, firstIndent: "1. ", indent: "   ")
        #expect(
            wrapped == """
                1. The council approved the
                   budget on Monday after a
                   debate that ran late into
                   the night, 42 to 17.
                """
        )
        // Characters, not bytes: "é" and "ü" are one each, so these lines fill to exactly 20.
        #expect(TextWrap.wrap("Zürich café opens éé ü ab", width: 20) == "Zürich café opens éé\nü ab")
        #expect(TextWrap.wrap("Zurich cafe opens ee u ab", width: 20) == "Zurich cafe opens ee\nu ab")
        // A word longer than the width stands alone; nothing but whitespace gives nothing.
        #expect(
            TextWrap.wrap("see https://example.org/a/very/long/path now", width: 12)
                == "see\nhttps://example.org/a/very/long/path\nnow"
        )
        #expect(TextWrap.wrap(" \t\n ") == "")
    }

    @Test("ASCII text wraps exactly as character-by-character splitting would (every ASCII space and control, indents)")
    func asciiPathAgrees() {
        var random = SplitMix(seed: 72)
        let alphabet = Array("ab cd\tef\ngh\u{0B}ij\u{0C}kl\rmn\r\nop\u{1C}q\u{1F}rs,.-") + ["\r\n"]
        // ASCII indents take the byte path; "→ " sends the same ASCII text down the other one.
        let indents = ["", "  ", "    ", "→ "]
        for _ in 0..<1_000 {
            let text = String(
                (0..<Int.random(in: 0...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            )
            let width = Int.random(in: 5...40, using: &random)
            let first = Bool.random(using: &random) ? nil : indents.randomElement(using: &random)!
            let indent = indents.randomElement(using: &random)!
            var lines: [String] = []
            var prefix = first ?? indent
            var line = ""
            for word in text.split(whereSeparator: \.isWhitespace) {
                if !line.isEmpty, prefix.count + line.count + 1 + word.count > width {
                    lines.append(prefix + line)
                    prefix = indent
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            if !line.isEmpty { lines.append(prefix + line) }
            #expect(
                TextWrap.wrap(text, width: width, firstIndent: first, indent: indent) == lines.joined(separator: "\n"),
                "\(text.debugDescription) width \(width) indents \(String(describing: first)) \(indent)"
            )
        }
    }
}
