import GazetteSummarize
import Testing

@Suite("Sentence splitter")
struct SentenceSplitterTests {
    @Test(
        "hard cases stay whole",
        arguments: [
            "Dr. Smith met Mr. Jones at 3 p.m. on Friday.",
            "The U.S. economy grew 3.5 percent in the third quarter.",
            "J. R. R. Tolkien wrote it.",
            "Shares of Acme Inc. rose after the report.",
            "He said \"wait...\" and left.",
            "Prices rose 2.4% in Jan. compared with Dec. figures.",
        ]
    )
    func whole(_ text: String) {
        #expect(SentenceSplitter.split(text) == [text])
    }

    @Test("sentences end at terminators, closing quotes included, and at line breaks")
    func splits() {
        let text = "\"We will rebuild,\" the mayor said. Then he left! Was it enough? Nobody knows…\nA new paragraph."
        #expect(
            SentenceSplitter.split(text) == [
                "\"We will rebuild,\" the mayor said.", "Then he left!", "Was it enough?", "Nobody knows…",
                "A new paragraph.",
            ]
        )
        #expect(
            SentenceSplitter.split("He said: “It is over.” Then silence.") == [
                "He said: “It is over.”", "Then silence.",
            ]
        )
        #expect(SentenceSplitter.split("Whitespace   is\tcollapsed.  Yes.") == ["Whitespace is collapsed.", "Yes."])
    }

    @Test("a lower-case word after a period does not start a sentence; empty input gives none")
    func lowerCase() {
        #expect(SentenceSplitter.split("It was approx. twenty miles. e.g. here.").count == 1)
        #expect(SentenceSplitter.split("").isEmpty)
        #expect(SentenceSplitter.split("   \n  ").isEmpty)
    }
}
