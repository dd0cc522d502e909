import CLibXML2
import Foundation
import GazetteCore
import TestSupport
import Testing

@testable import GazetteIngest

/// `SimpleHTMLReader` must give what libxml2's HTML parser gives, on every fragment it takes.
@Suite("Simple HTML reader")
struct SimpleHTMLTests {
    static let base = URL(string: "https://news.example.org/2026/11/story.html")

    /// Whether the reader takes the fragment, and whether `extract` then gives what libxml2
    /// alone gives (for the sanitized HTML with its text, and for the text alone).
    static func compare(_ html: String, textLimit: Int = 100_000, htmlLimit: Int = 200_000) -> (taken: Bool, same: Bool)
    {
        let walk = HTMLWalk(textLimit: textLimit, htmlLimit: htmlLimit, baseURL: { base })
        let taken = SimpleHTMLReader.read(html, into: walk, htmlLimit: htmlLimit)
        var same = true
        for sanitize in [true, false] {
            let mixed = HTMLContent.extract(
                html,
                baseURL: base,
                textLimit: textLimit,
                htmlLimit: htmlLimit,
                sanitize: sanitize
            )
            let libxml2 = HTMLContent.extract(
                html,
                baseURL: base,
                textLimit: textLimit,
                htmlLimit: htmlLimit,
                sanitize: sanitize,
                readsSimpleHTML: false
            )
            same = same && mixed.text == libxml2.text && mixed.html == libxml2.html
        }
        return (taken, same)
    }

    @Test(
        "takes plain markup and gives libxml2's output",
        arguments: [
            "<p>One</p>\n<p>Two &amp; <a href=\"/x?a=1&amp;b=2\" title='T'>three</a></p>",
            "<p>a<p>b<div>c</div>", "<a href=1>x<a href=2>y</a>", "<b>bold<p>para</p>", "<ul><li>1<li>2</ul>",
            "<dl><dt>t<dd>d<dt>u</dl>", "<b><p>x</p></b>", "<div><p>x</div>", "<p><div>x</p>y</div>", "</i>x", "</p>",
            "<h2>Title<p>text", "<img src=\"/i.jpg\" width=1 height=1>",
            "<img src=a.jpg alt=\"&eacute;t&eacute;\"/><br/><br>", "x &nbsp; y &copy; &#8217; &#x201C;q&#x201d;",
            "&unknown; &amp &lt3 & alone &;", "<figure><img src=x.jpg><figcaption>c</figcaption></figure>",
            "<svg viewBox=\"0 0 1 1\"><path d=\"M0 0\"/></svg>after", "<p CLASS=x Class=y>dup</P>",
            "<a href=\"x\" href=\"javascript:alert(1)\">first wins</a>", "<p data-x= >empty</p>",
            "<span\ttitle=\"a\nb\">ws</span>", "<a href=&#106;avascript:alert(1)>js</a>",
            // Past eight attributes the reader checks repeats with a set instead of one by one.
            "<a t0=0 t1=1 t2=2 t3=3 t4=4 t5=5 t6=6 t7=7 t8 href=\"/first\" T1=x t9=9 HREF=\"/second\" title=k>many</a>",
            "<img t0 t1 t2 t3 t4 t5 t6 t7 SRC=a.jpg t8 src=b.jpg Alt=x ALT=y width=2 t0>",
        ]
    )
    func takes(_ html: String) {
        let (taken, same) = Self.compare(html)
        #expect(taken)
        #expect(same)
    }

    @Test(
        "leaves to libxml2 what it does not repeat, with the same output",
        arguments: [
            "<!-- c --><p>x</p>", "<p>x</div></p>", "<table><tr><td>x</table>",
            "<script>alert(1)</script>", "<style>p{}</style>", "<p>x\r\ny</p>", "a\u{1}b", "&#0; &#x0;",
            "&#128; &#1114112;", "&#65", "<a href=\"x", "<p", "x</div>y", "<p>\u{FFFE}</p>", "<3 <> < p>",
            "<?php x ?>", "<center>c</center>", "<p>a<p.b>c", "<ul><li>1<li.x>2</ul>", "<p>a<div.note>b</div.note>",
            "&eacuteé;", "<a &b>", String(repeating: "<span>", count: 300),
            String(repeating: "\"", count: 50_000),
        ]
    )
    func leaves(_ html: String) {
        let (taken, same) = Self.compare(html)
        #expect(!taken)
        #expect(same)
    }

    @Test("stops short of the HTML limit, where libxml2's kilobyte pieces decide the cut")
    func limit() {
        let html = "<p>" + String(repeating: "word \"quoted\" ", count: 200) + "</p>"
        #expect(Self.compare(html, htmlLimit: 1_000) == (false, true))
        #expect(Self.compare(html, textLimit: 100, htmlLimit: 100_000) == (true, true))
    }

    @Test("reads a tag of 50,000 attributes in linear time (libxml2 compares each name with all before it)")
    func manyAttributes() {
        let html = "<p " + (0..<50_000).map { "a\($0)=1" }.joined(separator: " ") + " a7=2>x</p>"
        let walk = HTMLWalk(textLimit: 100_000, htmlLimit: 200_000, baseURL: { Self.base })
        let started = Date()
        #expect(SimpleHTMLReader.read(html, into: walk, htmlLimit: 200_000))
        #expect(Date().timeIntervalSince(started) < 20, "a guard against a hang, not a timing")
        #expect(HTMLContent.result(of: walk).html == "<p>x</p>")
    }

    @Test("gives libxml2's output on random markup")
    func randomMarkup() {
        var random = SplitMix(seed: 0x5EED_4854_4D4C)
        var taken = 0
        var mismatches: [String] = []
        let count = 20_000
        for _ in 0..<count {
            let html = Self.randomFragment(using: &random)
            let result = Self.compare(html)
            if result.taken { taken += 1 }
            if !result.same, mismatches.count < 5 { mismatches.append(html) }
        }
        #expect(mismatches.isEmpty, "differs from libxml2: \(mismatches)")
        // The test means something only if the reader takes a fair share of the fragments.
        #expect(taken > count / 5, "taken: \(taken) of \(count)")
    }

    @Test(
        "gives libxml2's output on the real feeds and feedparser's corpus, and takes nearly all real content",
        .enabled(if: Paths.hasSharedData, "needs ../shared/data, which only CI and developers have")
    )
    func corpora() throws {
        for folder in ["real-feeds", "feedparser-tests"] {
            let root = Paths.sharedData.appendingPathComponent(folder)
            var fragments = 0
            var takenBytes = 0
            var totalBytes = 0
            var mismatches: [String] = []
            for case let file as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! {
                guard let data = try? Data(contentsOf: file), let feed = try? FeedParser.parse(data) else { continue }
                for item in feed.items {
                    for html in [item.title, item.summaryHTML, item.contentHTML].compactMap({ $0 })
                    where html.utf8.contains(UInt8(ascii: "<")) || html.utf8.contains(UInt8(ascii: "&")) {
                        fragments += 1
                        totalBytes += html.utf8.count
                        let (taken, same) = Self.compare(html)
                        if taken { takenBytes += html.utf8.count }
                        if !same { mismatches.append("\(file.lastPathComponent): \(html.prefix(300))") }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(folder): \(mismatches.count) differ from libxml2: \(mismatches.prefix(3))")
            #expect(fragments > 100, "\(folder): only \(fragments) fragments")
            if folder == "real-feeds" {
                #expect(takenBytes * 10 >= totalBytes * 9, "taken: \(takenBytes) of \(totalBytes) bytes")
            }
        }
    }

    @Test("tag names of up to eight bytes find their rules by their packed bytes, in any case")
    func shortNames() {
        for (name, rules) in SimpleHTMLReader.rules {
            for spelling in [name, name.uppercased(), name.prefix(1).uppercased() + name.dropFirst()] {
                let found = Array(spelling.utf8).withUnsafeBufferPointer { SimpleHTMLReader.element(named: $0) }
                #expect(found.name == name, "\(spelling)")
                #expect(found.rules.bit == rules.bit && found.rules.closedBy == rules.closedBy, "\(spelling)")
            }
            let packed = Array(name.utf8).withUnsafeBufferPointer { SimpleHTMLReader.packed($0) }
            #expect((SimpleHTMLReader.shortNames[packed ?? 0] != nil) == (name.utf8.count <= 8), "\(name)")
        }
        // Names it has no rules for: the lower-cased name and empty rules.
        for unknown in ["Section", "x", "custom-tag", "abcdefgh", "abcdefghi"] {
            let found = Array(unknown.utf8).withUnsafeBufferPointer { SimpleHTMLReader.element(named: $0) }
            #expect(found.name == unknown.lowercased() && found.rules.bit == 0, "\(unknown)")
        }
    }

    @Test("its element table is the installed libxml2's")
    func elementTable() {
        let elements = SimpleHTMLReader.knownElements
        for (name, _) in elements {
            let description = htmlTagLookup(name)
            #expect(description != nil, "\(name) is not an element libxml2 knows")
            #expect((description?.pointee.empty ?? 0 != 0) == SimpleHTMLReader.voidElements.contains(name), "\(name)")
        }
        for (old, closedBy) in elements where !SimpleHTMLReader.voidElements.contains(old) {
            for new in elements.keys {
                #expect(Self.closes(new, old) == closedBy.contains(new), "<\(new)> inside <\(old)>")
            }
        }
    }

    /// Whether libxml2 closes `<old>` when `<new>` starts inside it: read into a tree, `new`'s
    /// parent is then not `old`.
    static func closes(_ new: String, _ old: String) -> Bool {
        let html = "<div><\(old)><\(new)></\(new)></\(old)></div>"
        let options = Int32(
            HTML_PARSE_NOIMPLIED.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue
        )
        guard let document = htmlReadMemory(html, Int32(html.utf8.count), nil, "UTF-8", options) else { return false }
        defer { xmlFreeDoc(document) }
        guard let outer = xmlDocGetRootElement(document), let first = outer.pointee.children else { return false }
        // Closed: `new` follows `old` inside the <div>; kept open: `new` is `old`'s child.
        return first.pointee.next != nil
    }

    /// A fragment from pieces feeds use, and pieces the reader must leave to libxml2.
    static func randomFragment(using random: inout SplitMix) -> String {
        let elements = [
            "p", "a", "b", "i", "em", "strong", "span", "div", "li", "ul", "ol", "br", "img", "h2", "h3", "dl", "dt",
            "dd", "pre", "small", "u", "font", "blockquote", "hr", "figure", "figcaption", "section", "svg", "path",
            "caption", "iframe", "P", "A", "table", "td", "center", "script", "p.lead", "li.x", "x.y",
        ]
        let attributes = [
            "href=\"/x?a=1&amp;b=2\"", "href='https://example.org/'", "href=rel/x.html", "src=\"i.jpg\"",
            "title=\"T &quot;q&quot;\"",
            "class=c", "width=1", "height=\"1\"", "alt=", "data-x", "HREF=\"javascript:alert(1)\"", "title='&eacute;'",
            "href=\"&#106;s\"", "title=\"a&b\"", "title=\"x&unknown;y\"",
        ]
        let texts = [
            "word", " ", "\n", "\t", "two words", "&amp;", "&nbsp;", "&eacute;", "&#8217;", "&#x201C;", "&copy;",
            "&bogus;", "& ", "&", ">", "é", "中文", "\"", "'", "&lt;b&gt;", "&#0;", "\r", "<", "<!-- c -->", "&#65",
        ]
        var open: [String] = []
        var html = ""
        for _ in 0..<Int.random(in: 1...24, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                let name = elements.randomElement(using: &random)!
                html += "<" + name
                // Mostly a few attributes, sometimes past the eight the reader checks one by one.
                let many = Int.random(in: 0..<8, using: &random) == 0
                for _ in 0..<Int.random(in: many ? 3...12 : 0...2, using: &random) {
                    html +=
                        [" ", "  ", "\n"].randomElement(using: &random)! + attributes.randomElement(using: &random)!
                }
                html += Bool.random(using: &random) && Int.random(in: 0..<4, using: &random) == 0 ? "/>" : ">"
                open.append(name.lowercased())
            case 3..<5:
                // Mostly the open element's end tag, sometimes another's.
                if let last = open.last, Int.random(in: 0..<8, using: &random) > 0 {
                    html += "</" + (Bool.random(using: &random) ? last : last.uppercased()) + ">"
                    open.removeLast()
                } else {
                    html += "</" + elements.randomElement(using: &random)! + ">"
                }
            default:
                // Text pieces, the troublesome ones rarely.
                let piece = texts.randomElement(using: &random)!
                html += texts.firstIndex(of: piece)! < 20 || Int.random(in: 0..<4, using: &random) == 0 ? piece : "x"
            }
        }
        return html
    }
}
