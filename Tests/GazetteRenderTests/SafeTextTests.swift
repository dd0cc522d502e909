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

    @Test("a header value has each run of controls (C0, DEL, C1) as one space, and other text as it was")
    func header() {
        #expect(SafeText.header("Hi\r\nBcc: x@evil.test") == "Hi Bcc: x@evil.test")
        #expect(SafeText.header("a\u{0}\u{7F}b\u{85}c\u{9F}d\te") == "a b c d e")
        // 0xC2 also leads characters that are no controls: kept.
        for plain in ["plain subject", "Zürich ¡olé! — “quoted” …", "", "€5 · © ®", "\u{A0}non-breaking"] {
            #expect(SafeText.header(plain) == plain)
        }
    }

    @Test("a single-line field joins every kind of line break into a space, and leaves other text as it was")
    func line() {
        // Vertical tab and form feed too, though XML forbids them as characters.
        for breakText in ["\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"] {
            #expect(SafeText.line("one" + breakText + "two") == "one two", "\(breakText.debugDescription)")
        }
        #expect(SafeText.line("a\n\nb\n") == "a b")
        // Bytes that lead a line break elsewhere (0xC2, 0xE2) in text that has none.
        for plain in ["plain title", "Zürich ¡olé! — “quoted” …", "", "tab\tkept", "€5 · ©"] {
            #expect(SafeText.line(plain) == plain)
        }
        #expect(SafeText.line("x\u{0}y\nz") == "xy z")
        // No line break, but a character XML forbids: still dropped on the fast path.
        #expect(SafeText.line("a\u{1}b\u{FFFE}c") == "abc")
    }

    @Test("only absolute http and https links without whitespace, controls or quotes are kept")
    func webURL() {
        for kept in ["https://example.org/a?b=c#d", "http://example.org", "HTTPS://example.org/é"] {
            #expect(SafeText.webURL(kept) == kept)
        }
        for dropped in [
            "javascript:alert(1)", "/relative", "https://", "https://exa mple.org", "https://example.org/\t",
            "https://example.org/\"onmouseover=\"x", "https://example.org/\u{1}", "https://example.org/\u{A0}x",
            "https://example.org/\u{2003}x", "mailto:a@example.org", "",
        ] {
            #expect(SafeText.webURL(dropped) == nil, "\(dropped.debugDescription)")
        }
        #expect(SafeText.webURL(nil) == nil)
    }
}
