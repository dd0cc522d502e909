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
}
