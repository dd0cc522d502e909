import Foundation
import Testing

@testable import GazetteIngest

@Suite("HTML sanitizer")
struct SanitizerTests {
    let base = URL(string: "https://news.example.org/2026/11/story.html")

    func clean(_ html: String) -> String { HTMLSanitizer.sanitize(html, baseURL: base) }

    /// Spellings that the plain-link fast path takes, and ones it must leave to URL parsing.
    static let linkSpellings = [
        "https://example.org/a/b?c=d&e=f#g", "HTTP://Example.org", "http://example.org:8080/x",
        "https://example.org/%E2%82%AC", "https://example.org/%zz", "https://example.org/x#a#b",
        "https://例え.jp/", "https://[::1]/x", "https://user@example.org/", "https://example.org/ä",
        "https://example.org/a|b", "https://example.org/a\\b", "http://", "http:///x", "https://-x.org/",
        "https://example.org:/x", "https://example.org?q", "https://example.org#f", "javascript:alert(1)",
        "/relative/path", "../up", "//protocol-relative.example/x", "mailto:desk@example.org",
    ]

    @Test(
        "script, style, iframe, object, embed and forms go, with their content",
        arguments: [
            "<script>alert(1)</script>", "<style>body{}</style>", "<iframe src=x></iframe>",
            "<object data=x>fallback</object>", "<embed src=x>", "<form><input value=x></form>",
            "<svg><script>alert(1)</script></svg>", "<noscript>hi</noscript>",
        ]
    )
    func droppedElements(_ html: String) {
        #expect(clean("<p>ok</p>" + html) == "<p>ok</p>")
    }

    @Test(
        "dangerous URLs are removed, however they are disguised",
        arguments: [
            "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java&#x09;script:alert(1)",
            "&#106;avascript:alert(1)", " javascript:alert(1)", "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=", "jav&#x0A;ascript:alert(1)", "\u{0001}javascript:alert(1)",
        ]
    )
    func dangerousURLs(_ url: String) {
        let output = clean("<a href=\"\(url)\">x</a><img src=\"\(url)\">")
        #expect(output == "<a>x</a>")
    }

    @Test("event handlers and style attributes are dropped; safe attributes kept")
    func attributes() {
        #expect(clean(#"<p onclick="x()" style="color:red" class="c">t</p>"#) == "<p>t</p>")
        #expect(
            clean(#"<img src="/a.jpg" alt="A" onerror="x()">"#)
                == #"<img src="https://news.example.org/a.jpg" alt="A">"#
        )
    }

    @Test("links are absolute, keep http, https and mailto, and get rel=noopener")
    func links() {
        #expect(
            clean(#"<a href="../x.html" title="T">x</a>"#)
                == #"<a href="https://news.example.org/2026/x.html" title="T" rel="noopener noreferrer nofollow">x</a>"#
        )
        #expect(clean(#"<a href="mailto:desk@example.org">m</a>"#).contains(#"href="mailto:desk@example.org""#))
    }

    @Test("tracking pixels are removed however their size is written: 1px, spaces, one side, 0")
    func trackingPixels() {
        #expect(clean(#"<p>t</p><img src="https://t.example/p.gif" width="1" height="1">"#) == "<p>t</p>")
        for size in [
            #"width="1px" height="1px""#, #"width=" 1 " height="1""#, #"width="1""#, #"height="0""#,
            #"width="600" height="1""#, #"width="1.5" height="1.5""#,
        ] {
            #expect(clean(#"<p>t</p><img src="https://t.example/p.gif" \#(size)>"#) == "<p>t</p>", "\(size)")
        }
        for size in [#"width="600" height="400""#, #"width="100%" height="1%""#, #"width="auto""#, ""] {
            #expect(clean(#"<img src="https://i.example/a.jpg" \#(size)>"#).hasPrefix("<img"), "\(size)")
        }
        #expect(HTMLSanitizer.pixels("12px") == 12 && HTMLSanitizer.pixels(" 7") == 7)
        #expect(HTMLSanitizer.pixels("50%") == nil && HTMLSanitizer.pixels("px") == nil)
    }

    @Test("unknown elements are unwrapped, text is escaped")
    func unknown() {
        #expect(clean("<custom-tag><b>bold</b> &lt;not a tag&gt;</custom-tag>") == "<b>bold</b> &lt;not a tag&gt;")
    }

    @Test("output stays bounded when every tag grows (long base URL, many relative images)")
    func boundedTags() {
        let longBase = URL(string: "https://news.example.org/" + String(repeating: "a", count: 1_900))!
        let html = String(repeating: "<img src=x>", count: 50_000)
        let output = HTMLSanitizer.sanitize(html, baseURL: longBase, limit: 100_000)
        #expect(output.utf8.count < 110_000)
        #expect(output.hasPrefix("<img src=\"https://news.example.org/"))
    }

    @Test("deep nesting is handled without recursion: read up to depth 256, tags balanced, output bounded")
    func deep() {
        let html =
            "<p>before</p>" + String(repeating: "<div>", count: 20_000) + "x"
            + String(repeating: "</div>", count: 20_000)
        let output = clean(html)
        #expect(output.utf8.count <= 200_100)
        #expect(output.hasPrefix("<p>before</p>"), "what comes before the deep nest is kept")
        let opened = output.components(separatedBy: "<div>").count - 1
        #expect(opened == output.components(separatedBy: "</div>").count - 1, "tags balanced")
        #expect((200...256).contains(opened), "read down to libxml2's depth limit, not beyond")
    }

    @Test("a thread's reused parser context starts clean: after a parse stopped at the depth limit, and once replaced")
    func reusedParserContext() {
        // One synchronous test: every parse below runs on the same thread, with the same context.
        let sample = "<p>A <a href=\"/x\">link</a> &amp; <b>bold</b></p>"
        let expected =
            "<p>A <a href=\"https://news.example.org/x\" rel=\"noopener noreferrer nofollow\">link</a> &amp; <b>bold</b></p>"
        #expect(clean(sample) == expected)
        // The depth limit stops the parser mid-document; the next parse must not inherit the stop.
        #expect(!clean(String(repeating: "<div>", count: 20_000) + "deep").isEmpty)
        #expect(clean(sample) == expected)
        // 5,000 element names, more than a context keeps: it is freed, and the next parse gets a new one.
        // (The comment leaves the fragment to libxml2: `SimpleHTMLReader` would take it.)
        let names = "<!-- libxml2 -->" + (0..<5_000).map { "<x\($0)>t</x\($0)>" }.joined()
        #expect(clean(names) == String(repeating: "t", count: 5_000))
        #expect(HTMLContent.parserContextNameBytes == 0, "the context was freed after that parse")
        #expect(clean(sample) == expected)
    }

    @Test("long entity names cannot grow a thread's reused parser context without bound")
    func reusedParserContextBoundedInBytes() {
        // One synchronous test, one thread: each fragment names an entity of 200 KB of its own,
        // and libxml2's dictionary keeps every name it reads.
        var largest = 0
        for index in 0..<20 {
            let name = "e\(index)" + String(repeating: "x", count: 200_000)
            // The comment leaves the fragment to libxml2: `SimpleHTMLReader` would take it.
            #expect(clean("<!-- libxml2 --><p>a &\(name); b</p>").hasPrefix("<p>a &amp;e\(index)x"))
            largest = max(largest, HTMLContent.parserContextNameBytes)
        }
        #expect(largest > 200_000, "the names did reach the dictionary")
        #expect(largest <= 1 << 20, "a context whose names pass a megabyte is freed after the parse")
    }

    @Test("a tag of 100,000 attributes that reaches libxml2 ends the fragment there (its check is quadratic)")
    func crowdedTag() {
        // The comment leaves the fragment to libxml2: `SimpleHTMLReader` reads such a tag itself.
        let attributes = { (count: Int) in (0..<count).map { "a\($0)=\"\($0)\"" }.joined(separator: " ") }
        let started = Date()
        let html = "<!-- x --><p>before</p><p " + attributes(100_000) + ">after</p>"
        #expect(clean(html) == "<p>before</p>")
        #expect(Date().timeIntervalSince(started) < 20, "a guard against a hang, not a timing")
        #expect(clean("<!-- x --><p " + attributes(900) + ">kept</p>") == "<p>kept</p>")
        #expect(clean("<!-- x --><p title='>' " + attributes(1_001) + ">cut</p>") == "")
    }

    @Test("mismatched end tags under deep nesting finish at once (libxml2 searches every open element per end tag)")
    func deepMismatchedEndTags() {
        // Without the depth limit this took quadratic time: 8 s for 50,000 in a release build.
        let html = String(repeating: "<b>", count: 100_000) + String(repeating: "</i>", count: 100_000)
        let started = Date()
        let output = clean(html)
        #expect(Date().timeIntervalSince(started) < 20, "a guard against a hang, not a timing")
        #expect(output.components(separatedBy: "<b>").count == output.components(separatedBy: "</b>").count)
        #expect(output.utf8.count <= 256 * 7)
    }

    @Test("absolute link targets are kept exactly when URL parsing accepts them, also where it is skipped")
    func linkTargetsAgreeWithURL() {
        for link in Self.linkSpellings where link.contains("://") {
            let scheme = link.prefix { $0 != ":" }.lowercased()
            let kept = ["http", "https"].contains(scheme) && URL(string: link) != nil
            let output = clean("<a href=\"\(HTMLText.escape(link))\">x</a>")
            if kept {
                #expect(output.contains("href=\"\(HTMLText.escape(link))\""), "\(link): \(output)")
            } else {
                #expect(!output.contains("href="), "\(link): \(output)")
            }
        }
    }

    @Test("limits apply per text node, however libxml2 splits it (at references, every kilobyte)")
    func limitsPerTextNode() {
        #expect(HTMLSanitizer.sanitize("aaaaaaaaaa&amp;b", limit: 10) == "aaaaaaaaaa")
        #expect(HTMLText.plainText(fromHTML: "a   &amp;b", limit: 4) == "a &b")
        #expect(HTMLText.plainText(fromHTML: String(repeating: "<b>", count: 256) + "x") == "x", "256 levels are read")
    }

    @Test(
        "the HTML limit holds inside a text run: a hostile run of quotes cannot grow sixfold, and no reference or character is cut"
    )
    func limitInsideTextRuns() {
        let quotes = String(repeating: "\"", count: 1_000_000)
        for input in ["<p>" + quotes, quotes + "<br>", String(repeating: "a", count: 199_997) + "\""] {
            let output = HTMLSanitizer.sanitize(input, limit: 200_000)
            #expect(output.utf8.count <= 200_000 + "</p>".utf8.count, "\(input.prefix(10))")
            let inner = output.hasSuffix("</p>") || output.hasSuffix("<br>") ? String(output.dropLast(4)) : output
            #expect(inner.hasSuffix("&quot;") || inner.hasSuffix("a"), "ends on a whole reference")
            #expect(!inner.hasSuffix("a") || !input.hasPrefix("<p>"))
        }
        // Two-byte characters, a limit that falls inside one: never half of it.
        for limit in [9, 10, 11] {
            let output = HTMLSanitizer.sanitize("<b>" + String(repeating: "é", count: 100), limit: limit)
            #expect(!output.contains("\u{FFFD}"), "\(limit): \(output)")
        }
        let plain = HTMLSanitizer.sanitize(String(repeating: "é", count: 100), limit: 11)
        #expect(plain == String(repeating: "é", count: 5))
    }

    @Test("plain text (the parser-free path) is kept, escaped; control characters go the parser's way (DEL stays)")
    func plainText() {
        #expect(HTMLSanitizer.sanitize("Breaking news") == "Breaking news")
        #expect(HTMLSanitizer.sanitize("Bonds > stocks \"today\"") == "Bonds &gt; stocks &quot;today&quot;")
        #expect(HTMLSanitizer.sanitize("   \n ") == "")
        let controlled = HTMLContent.extract(
            "a\u{0}b\u{1B}c\u{7F}d",
            baseURL: nil,
            textLimit: 100,
            htmlLimit: 100,
            sanitize: true
        )
        for output in [controlled.text, controlled.html] {
            #expect(
                !output.utf8.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A },
                "\(output.debugDescription)"
            )
            #expect(output.contains("a") && output.contains("d"))
        }
    }

    @Test("old raw-text elements (xmp, noembed, noframes, plaintext) go with their content")
    func rawTextElements() {
        for name in ["xmp", "noembed", "noframes", "plaintext"] {
            #expect(clean("<p>kept</p><\(name)><script>alert(1)</script></\(name)>") == "<p>kept</p>", "\(name)")
        }
    }

    @Test("whitespace after a stray </div> has no element to belong to; an over-long attribute value is dropped")
    func strayCloseAndLongAttributes() {
        #expect(clean("a</div> <b>c</b>") == "a<b>c</b>")
        let long = clean("<abbr title=\"" + String(repeating: "x", count: 1_000_000) + "\">y</abbr>")
        #expect(long == "<abbr>y</abbr>")
        #expect(clean("<abbr title=\"" + String(repeating: "x", count: 50) + "\">y</abbr>").contains("title="))
    }
}
