import Testing

@testable import GazetteRender

@Suite("Safe text")
struct SafeTextTests {
    @Test("characters XML forbids are dropped, allowed ones kept, valid text returned as it was")
    func xml() {
        #expect(SafeText.xml("a\u{0}b\u{1B}c\u{FFFE}d\u{FFFF}e") == "abcde")
        let allowed = "tab\tLF\nCR\r del\u{7F} c1\u{85} \u{FFFD} \u{EFFF} \u{E000} 𝄞 Zürich ﬁ"
        #expect(SafeText.xml(allowed) == allowed)
        #expect(SafeText.xml("") == "")
    }
}
