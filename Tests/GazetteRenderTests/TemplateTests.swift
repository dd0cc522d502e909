import Foundation
import GazetteCore
import Mustache
import TestSupport
import Testing

@testable import GazetteRender

/// The templates as an operator sees them: golden files for a fixed input, a copy of the folder
/// that can be changed, errors that name the file and line, and hostile feed text made harmless
/// in every output (checked by Python's HTML, XML and email parsers).
@Suite("Templates")
struct TemplateTests {
    static let golden = Paths.repository.appendingPathComponent("Tests/GazetteRenderTests/Golden")

    /// Compares with the golden file; `GAZETTE_UPDATE_GOLDEN=1 swift test` rewrites them, and
    /// the change is then reviewed as a diff like any other.
    func expectGolden(_ rendered: String, _ name: String) throws {
        let file = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["GAZETTE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden, withIntermediateDirectories: true)
            try rendered.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        // By lines of any kind: "\r\n" is one Character, never equal to "\n".
        let renderedLines = rendered.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let expectedLines = expected.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let firstDifference = zip(renderedLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            rendered == expected,
            """
            \(name) differs from its golden file at line \((firstDifference?.offset ?? min(renderedLines.count, expectedLines.count)) + 1): \
            rendered \(firstDifference.map { "\"\($0.element.0)\"" } ?? "\(renderedLines.count) lines"), \
            golden \(firstDifference.map { "\"\($0.element.1)\"" } ?? "\(expectedLines.count) lines"). \
            If the change is meant, run GAZETTE_UPDATE_GOLDEN=1 swift test and review the diff.
            """
        )
    }

    /// A copy of the bundled templates, as an operator makes one to edit.
    func operatorCopy() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: Paths.templates.path) {
            try FileManager.default.copyItem(
                at: Paths.templates.appendingPathComponent(name),
                to: folder.url.appendingPathComponent(name)
            )
        }
        return folder
    }

    /// Replaces `text` in a template file; the text must be there, or the test would check nothing.
    func edit(_ file: URL, replacing text: String, with replacement: String) throws {
        let contents = try String(contentsOf: file, encoding: .utf8)
        #expect(contents.contains(text), "\(file.lastPathComponent) has \(text)")
        try contents.replacingOccurrences(of: text, with: replacement).write(
            to: file,
            atomically: true,
            encoding: .utf8
        )
    }

    @Test("golden files: the text and HTML digest, the feeds and the confirmation email for a fixed input")
    func goldenFiles() async throws {
        let renderer = try await RenderFixtures.renderer()
        let digest = RenderFixtures.digest()
        try expectGolden(renderer.text(digest), "digest.txt")
        try expectGolden(renderer.html(digest), "digest.html")
        let feed = RenderFixtures.feed()
        try expectGolden(renderer.atom(feed), "feed.atom")
        try expectGolden(renderer.rss(feed), "feed.rss")
        let confirmation = renderer.confirmationEmail(
            RenderFixtures.confirmation,
            from: RenderFixtures.from,
            to: RenderFixtures.reader,
            messageID: "confirm.1@news.example.org",
            date: RenderFixtures.now
        )
        try expectGolden(confirmation.text, "confirm.txt")
        // The whole message as it goes on the wire: headers, both parts, quoted-printable.
        let email = renderer.email(
            RenderFixtures.digest(stories: RenderFixtures.storyWithTakes),
            format: .html,
            from: RenderFixtures.from,
            to: RenderFixtures.reader,
            links: RenderFixtures.links,
            messageID: "2026-11-29.7@news.example.org",
            date: RenderFixtures.now
        )
        try expectGolden(String(decoding: email.bytes(), as: UTF8.self), "digest.eml")
    }

    @Test("a take or a citation without a link stays unlinked: it never borrows its story's link")
    func missingLinks() async throws {
        let renderer = try await RenderFixtures.renderer()
        let html = renderer.html(RenderFixtures.digest(stories: RenderFixtures.storyWithTakes))
        #expect(html.contains("<li>[2] Le Courrier (France): Line break in a title</li>"), "\(html)")
        #expect(html.contains("Une phrase.<sup style=\"font-size:10px;\"> [2]</sup>"))
        #expect(
            html.contains(
                "<a href=\"https://rundschau.example/a?x=1&amp;y=2\" style=\"color:#1a5e9a;text-decoration:none;\">[1]</a>"
            )
        )
        let atom = renderer.atom(RenderFixtures.feed())
        #expect(!atom.contains("Line break in a title&lt;/a&gt;"), "the take is not linked in the feed either")
    }

    @Test(
        "a story rendered for one digest is reused by another at another place; a partial that shows the place is not"
    )
    func storyFragments() async throws {
        let renderer = try await RenderFixtures.renderer()
        #expect(renderer.templates.rendersStoriesOnce(.digestHTML), "the bundled templates allow fragments")
        #expect(renderer.templates.rendersStoriesOnce(.digestText))
        let story = RenderFixtures.storyWithTakes
        let other = DigestContent.Story(lead: RenderFixtures.articles[1])
        // The same story first, then second: its HTML fragment is reused, its number is not shown.
        let first = RenderFixtures.digest(stories: story)
        let second = RenderFixtures.digest(stories: [other] + story)
        let fresh = try await RenderFixtures.renderer()
        #expect(renderer.html(first) == fresh.html(first))
        #expect(renderer.html(second) == fresh.html(second), "the reused fragment, as rendered from nothing")
        #expect(renderer.text(second) == fresh.text(second))
        #expect(renderer.text(second).contains("2. " + RenderFixtures.storyWithTakes[0].lead.title.prefix(20)))

        // An operator's story partial that shows the story's number: never a number from another digest.
        let folder = try operatorCopy()
        let partial = folder.file("story.html.mustache")
        let original = try String(contentsOf: partial, encoding: .utf8)
        try edit(partial, replacing: "<h3 ", with: "<p>Story {{number}}</p><h3 ")
        let numbered = DigestRenderer(templates: try await TemplateSet(directory: folder.url))
        #expect(numbered.html(first).contains("<p>Story 1</p>"))
        #expect(numbered.html(second).contains("<p>Story 2</p>"))
        #expect(!numbered.html(second).contains("<p>Story 3</p>"))

        // A partial that shows a digest-level name, or an indented include: rendered in place,
        // exactly as before (the site's title in each story; every line of the story indented).
        try original.replacingOccurrences(of: "<h3 ", with: "<p>{{siteTitle}}</p><h3 ")
            .write(to: partial, atomically: true, encoding: .utf8)
        let digestText = folder.file("digest.txt.mustache")
        try edit(digestText, replacing: "{{> story.txt}}", with: "    {{> story.txt}}")
        let inPlace = DigestRenderer(templates: try await TemplateSet(directory: folder.url))
        #expect(!inPlace.templates.rendersStoriesOnce(.digestHTML))
        // A text digest that also shows the HTML partial: rendered in place too.
        try edit(digestText, replacing: "    {{> story.txt}}", with: "{{> story.txt}}\n{{> story.html}}")
        #expect(!(try await TemplateSet(directory: folder.url)).rendersStoriesOnce(.digestText))
        #expect(!inPlace.templates.rendersStoriesOnce(.digestText))
        #expect(inPlace.html(second).components(separatedBy: "<p>Gazette Ünïcode</p>").count == 3)
        let text = inPlace.text(second)
        #expect(text.contains("\n      Rheinische Rundschau, "), "the story's second line indented too")
    }

    @Test("a story's item is built once for every digest it goes to, numbered for each, and again when it changes")
    func storyItems() {
        let items = StoryItems()
        let story = RenderFixtures.storyWithTakes
        let other = DigestContent.Story(lead: RenderFixtures.articles[1])
        // First, second, then first again: the same items as built from nothing, each at its place.
        for stories in [story, [other] + story, story, [other]] {
            let reused = RenderFixtures.digest(stories: stories, items: items)
            let fresh = RenderFixtures.digest(stories: stories)
            #expect(reused.sections.map(\.articles) == fresh.sections.map(\.articles))
        }
        // An edited lead, take or summary sentence is a new item.
        var edited = story
        edited[0].lead.title = "A corrected headline"
        edited[0].takes[0].title = "A corrected take"
        edited[0].summary?[1].text = "A corrected sentence."
        let item = RenderFixtures.digest(stories: edited, items: items).sections.flatMap(\.articles).first
        #expect(item?.title == "A corrected headline")
        #expect(item?.takes.first?.title == "A corrected take")
        #expect(item?.summaryParts.last?.text == "A corrected sentence.")
        #expect(item?.number == 1 && item?.titleWrapped.hasPrefix("1. A corrected headline") == true)
        // And in another time zone, another date label.
        let paris = RenderFixtures.digest(stories: story, items: items)
        let tokyo = RenderFixtures.digest(stories: story, items: items, timeZone: "Asia/Tokyo")
        #expect(paris.sections[0].articles[0].publishedLabel != tokyo.sections[0].articles[0].publishedLabel)
    }

    @Test("which story partials stand alone, which never show their place, and which includes a fragment can replace")
    func storyTemplateChecks() {
        // The names the checks trust are the names the values answer.
        let item = RenderFixtures.digest(stories: RenderFixtures.storyWithTakes).sections[0].articles[0]
        #expect(DigestContent.Item.mustacheNames.allSatisfy { item.child(named: $0) != nil })
        #expect(DigestContent.Take.mustacheNames.allSatisfy { item.takes[0].child(named: $0) != nil })
        #expect(DigestContent.SummaryPart.mustacheNames.allSatisfy { item.summaryParts[0].child(named: $0) != nil })
        #expect(item.child(named: "recipient") == nil)
        for name in ["story.html", "story.txt"] {
            let source = try? String(
                contentsOf: Paths.templates.appendingPathComponent(name + ".mustache"),
                encoding: .utf8
            )
            // The bundled partials leave the story's numbered title to the digest templates.
            #expect(StoryTemplates.isPlaceIndependent(source ?? ""), "\(name)")
            #expect(StoryTemplates.standsAlone(source ?? ""), "\(name)")
        }
        #expect(
            StoryTemplates.standsAlone(
                "{{% CONTENT_TYPE: HTML}}{{title}} {{#takes}}{{citation}}{{/takes}} {{! a comment on number }}"
            )
        )
        #expect(StoryTemplates.isPlaceIndependent("{{title}} {{#takes}}{{citation}}{{/takes}} {{! number }}"))
        #expect(!StoryTemplates.isPlaceIndependent("{{titleWrapped}}"))
        #expect(!StoryTemplates.isPlaceIndependent("{{#number}}n{{/number}}"))
        #expect(!StoryTemplates.isPlaceIndependent("{{ . }}"))
        #expect(!StoryTemplates.isPlaceIndependent("{{&.}}"))
        #expect(!StoryTemplates.standsAlone("{{recipient}}"), "a digest-level name")
        #expect(!StoryTemplates.standsAlone("{{> other}}"))
        #expect(!StoryTemplates.standsAlone("{{$block}}x{{/block}}"))
        #expect(!StoryTemplates.standsAlone("{{=<% %>=}}<%title%>"), "changed delimiters")
        // A block is cut out only where its tags stand alone on lines of their own, and only
        // where the template names it nowhere else.
        let block = TemplateBlock(cutting: "articles", from: "a\n  {{#articles}}\n{{> story.txt}}\n{{/articles}}\nb")
        #expect(block?.body == "{{> story.txt}}\n")
        #expect(block?.remainder == "a\n{{#articles}}{{{.}}}\n{{/articles}}\nb")
        #expect(TemplateBlock(cutting: "articles", from: "{{#articles}}{{title}}{{/articles}}") == nil)
        #expect(
            TemplateBlock(cutting: "articles", from: "{{#articles}}\nx\n{{/articles}}\n{{^articles}}none{{/articles}}")
                == nil
        )
        #expect(TemplateBlock(cutting: "articles", from: "{{#articles}}\n{{articles.0.title}}\n{{/articles}}") == nil)
        #expect(TemplateBlock(cutting: "articles", from: "{{#articles}}\n{{/articles}}") == nil, "an empty block")
        func compiles(_ digest: String, partial: String = "{{title}}\n") -> Bool {
            var library = MustacheLibrary()
            return CompiledDigest.compile(
                digest: "d",
                source: "{{% CONTENT_TYPE: TEXT}}\n" + digest,
                partial: "story.txt",
                partialSource: partial,
                in: &library
            ) != nil
        }
        let digest =
            "{{siteTitle}}\n{{#sections}}\n{{heading}}\n{{#articles}}\n{{titleWrapped}}\n{{> story.txt}}\n{{/articles}}\n{{/sections}}\n{{recipient}}\n"
        #expect(compiles(digest))
        #expect(!compiles(digest, partial: "{{recipient}}\n"), "a partial that shows a digest-level name")
        #expect(
            !compiles(digest.replacingOccurrences(of: "\n{{> story.txt}}", with: "\n  {{> story.txt}}")),
            "indented"
        )
        #expect(
            !compiles(digest.replacingOccurrences(of: "{{titleWrapped}}", with: "{{scopeLabel}}")),
            "a digest-level name among the stories"
        )
        #expect(
            !compiles(digest.replacingOccurrences(of: "{{heading}}", with: "{{scopeLabel}}")),
            "and among the sections"
        )
        #expect(
            !compiles(digest.replacingOccurrences(of: "{{recipient}}", with: "{{> footer}}")),
            "another template included"
        )
        #expect(
            !compiles(digest.replacingOccurrences(of: "{{recipient}}", with: "{{uppercased(recipient)}}")),
            "a transform"
        )
        #expect(!compiles(digest + "{{#sections}}{{heading}}{{/sections}}"), "the sections listed twice")
        #expect(!compiles(digest.replacingOccurrences(of: "{{titleWrapped}}", with: "{{.}}")), "the story itself")
        // Inside another section the partial's stand-in would render that section's value,
        // not the story: a link, a take, or the empty list an inverted section pushes.
        for section in ["#url", "#takes", "^takes"] {
            let inside = digest.replacingOccurrences(
                of: "{{> story.txt}}\n",
                with: "{{\(section)}}\n{{> story.txt}}\n{{/\(section.dropFirst())}}\n"
            )
            #expect(inside.contains("{{\(section)}}\n{{> story.txt}}"))
            #expect(!compiles(inside), "the partial inside {{\(section)}}")
        }
        // Standalone as Mustache has it: a no-break space after a tag keeps its line.
        #expect(TemplateBlock(cutting: "articles", from: "{{#articles}}\u{00A0}\nx\n{{/articles}}") == nil)
        #expect(TemplateBlock(cutting: "articles", from: " \t{{#articles}}\t\nx\n{{/articles}}") != nil)
        #expect(!compiles(digest.replacingOccurrences(of: "\n", with: "\r\n")), "CRLF line ends")
    }

    @Test("a digest taken apart renders exactly what its template renders in place, for any values and templates")
    func compiledDigests() async throws {
        let marker = "\u{E000}0&amp;\u{E001} \u{E000}1&\u{E001} \u{E000}"
        var contents = [
            RenderFixtures.digest(stories: RenderFixtures.storyWithTakes),
            RenderFixtures.digest(stories: RenderFixtures.hostileStories),
            RenderFixtures.digest(stories: RenderFixtures.hostileStories + RenderFixtures.storyWithTakes),
            RenderFixtures.digest(stories: []),
            RenderFixtures.digest(),
        ]
        // Values that look like the markers, escaping and Mustache; a feed link; no sections.
        var odd = contents[2]
        odd.siteTitle = marker + " <&> \"'"
        odd.recipient = "{{recipient}} " + marker
        odd.feedURL = "https://news.example.org/feeds/country/fr.atom?a=1&b=" + marker
        odd.sections[0].heading = marker + " & <b>"
        contents.append(odd)
        var empty = contents[0]
        empty.sections = []
        contents.append(empty)

        func check(_ templates: TemplateSet, _ variant: String) {
            for (index, content) in contents.enumerated() {
                // Twice: from nothing, then from the stored stories.
                for _ in 0..<2 {
                    #expect(
                        templates.render(.digestHTML, story: .storyHTML, content)
                            == templates.render(.digestHTML, content),
                        "\(variant): digest \(index), HTML"
                    )
                    #expect(
                        templates.render(.digestText, story: .storyText, content)
                            == templates.render(.digestText, content),
                        "\(variant): digest \(index), text"
                    )
                }
            }
        }

        // Each change keeps the digest taken apart (true) or not (false); either way the same
        // text. The one to story.txt leaves the partial without a last line end: taken apart,
        // but each such digest rendered in place.
        let folder = try operatorCopy()
        let changes: [(file: String, text: String, replacement: String, compiles: Bool)] = [
            ("digest.txt", "{{#articles}}\n", "  {{#articles}}  \n", true),
            (
                "digest.txt", "== {{heading}} ==",
                "== {{heading}} == {{{heading}}} {{#heading}}[{{heading}}]{{/heading}}", true
            ),
            (
                "digest.txt", "Unsubscribe: {{unsubscribeURL}}",
                "{{#feedURL}}Feed: {{feedURL}}{{/feedURL}}{{^feedURL}}no feed{{/feedURL}} {{{siteTitle}}} {{hasStories}} {{nothing}}",
                true
            ),
            ("digest.html", "{{% CONTENT_TYPE: HTML}}\n", "", false),
            (
                "digest.html", "<title>{{title}}</title>",
                "<title>{{title}}</title>{{#sections}}<li>{{heading}}</li>{{/sections}}", false
            ),
            ("story.txt", "{{/takes}}\n{{/hasTakes}}\n", "{{/takes}}\n{{/hasTakes}}\nEnd of story.", true),
            ("digest.txt", "{{> story.txt}}\n", "{{#url}}\n{{> story.txt}}\n{{/url}}\n", false),
            ("digest.html", "{{#articles}}\n", "{{#articles}}\u{00A0}\n", false),
        ]
        for change in changes {
            let file = folder.file(change.file + ".mustache")
            let original = try String(contentsOf: file, encoding: .utf8)
            try edit(file, replacing: change.text, with: change.replacement)
            let templates = try await TemplateSet(directory: folder.url)
            let digest: TemplateSet.Name = change.file == "digest.html" ? .digestHTML : .digestText
            #expect(templates.rendersStoriesOnce(digest) == change.compiles, "\(change.replacement)")
            check(templates, change.file + ": " + change.replacement)
            try original.write(to: file, atomically: true, encoding: .utf8)
        }
        check(try await TemplateSet(directory: Paths.templates), "bundled")

    }

    @Test("an operator's copy of templates/ is used, and a broken template is an error naming its file and line")
    func operatorTemplates() async throws {
        let folder = try operatorCopy()
        try edit(folder.file("story.txt.mustache"), replacing: "  Also covered by:", with: "  Elsewhere:")
        let changed = DigestRenderer(templates: try await TemplateSet(directory: folder.url))
        let text = changed.text(RenderFixtures.digest(stories: RenderFixtures.storyWithTakes))
        #expect(text.contains("  Elsewhere:"), "the partial from the operator's folder")
        #expect(!text.contains("Also covered by:"))

        let digest = folder.file("digest.html.mustache")
        let lines = try String(contentsOf: digest, encoding: .utf8).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        let broken = lines.enumerated().map {
            $0.offset == 29 ? "{{#sections}} unclosed {{/articles}}" : String($0.element)
        }
        try broken.joined(separator: "\n").write(to: digest, atomically: true, encoding: .utf8)
        let error = await #expect(throws: RenderError.self) { try await TemplateSet(directory: folder.url) }
        let message = error?.description ?? ""
        #expect(message.contains("digest.html"), "\(message)")
        #expect(message.contains("line 30"), "\(message)")

        try FileManager.default.removeItem(at: digest)
        let missing = await #expect(throws: RenderError.self) { try await TemplateSet(directory: folder.url) }
        #expect(missing?.description.contains("digest.html.mustache is missing") == true)
    }

    @Test("hostile feed text is harmless in the HTML digest, the text digest, the feeds and the headers")
    func hostileText() async throws {
        let renderer = try await RenderFixtures.renderer()
        let digest = RenderFixtures.digest(stories: RenderFixtures.hostileStories)
        let folder = try TemporaryDirectory()
        let html = folder.file("digest.html")
        try renderer.html(digest).write(to: html, atomically: true, encoding: .utf8)
        let feed = RenderFixtures.feed(stories: RenderFixtures.hostileStories)
        let atom = folder.file("hostile.atom")
        let rss = folder.file("hostile.rss")
        try renderer.atom(feed).write(to: atom, atomically: true, encoding: .utf8)
        try renderer.rss(feed).write(to: rss, atomically: true, encoding: .utf8)

        let checked = try Peers.json(Peers.runScript("check_html.py", [html.path, atom.path, rss.path]))
        for file in [html, atom, rss] {
            let verdict = try #require(checked[file.path] as? [String: Any])
            #expect((verdict["problems"] as? [String]) == [], "\(file.lastPathComponent): \(verdict["problems"] ?? "")")
            #expect((verdict["elements"] as? Int ?? 0) > 0, "the checker saw the markup")
        }
        let feeds = try Peers.json(Peers.runScript("check_feeds.py", [atom.path, rss.path]))
        for file in [atom, rss] {
            let result = try #require(feeds[file.path] as? [String: Any])
            #expect(result["bozo"] as? Int == 0, "\(file.lastPathComponent): \(result["exception"] ?? "")")
            #expect((result["titles"] as? [String])?.first == "<script>alert(1)</script> Hi Bcc: x@evil.test")
        }
        // Text shown as text: the markup is visible, escaped once in HTML; Mustache tags in the
        // article are not expanded.
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("{{unsubscribeURL}}") && page.contains("{{&gt; story.html}}"))
        let text = renderer.text(digest)
        #expect(text.contains("<script>alert(1)</script>"), "the text part shows the text as it is")
        #expect(!text.contains("javascript:"), "a javascript: link is dropped, not shown")
    }

    @Test(
        "header injection: CR, LF and other controls in a subject never start a header; a 2,000-emoji subject folds into short encoded words"
    )
    func headers() throws {
        let folder = try TemporaryDirectory()
        for (name, subject) in [
            ("injection", "Hi\r\nBcc: x@evil.test\u{0}\u{7F}\u{85}end"),
            ("emoji", String(repeating: "🗞️", count: 1_000) + String(repeating: "🇰🇪", count: 1_000)),
        ] {
            let message = MailMessage(
                from: RenderFixtures.from,
                to: RenderFixtures.reader,
                subject: subject,
                date: RenderFixtures.now,
                messageID: "\(name).1@news.example.org",
                listUnsubscribe: nil,
                text: "Body",
                html: nil
            )
            let file = folder.file("\(name).eml")
            try Data(message.bytes()).write(to: file)
            let parsed = try Peers.json(Peers.runScript("check_email.py", [file.path]))
            #expect((parsed["defects"] as? [String]) == [], "\(name): \(parsed["defects"] ?? "")")
            #expect(!(parsed["headerNames"] as? [String] ?? []).contains("bcc"), "\(name): no header injected")
            #expect((parsed["longestLine"] as? Int ?? 999) <= 78, "\(name)")
            #expect((parsed["longestEncodedWord"] as? Int ?? 999) <= 75, "\(name): RFC 2047's limit")
            #expect(parsed["bareLF"] as? Bool == false)
            let decoded = parsed["subject"] as? String ?? ""
            if name == "injection" {
                #expect(decoded.hasPrefix("Hi Bcc: x@evil.test"), "\(decoded)")
                #expect(!decoded.contains("\r") && !decoded.contains("\n") && !decoded.contains("\u{0}"))
            } else {
                #expect(decoded == subject, "whole scalars in every word: the subject decodes exactly")
                #expect((parsed["encodedWords"] as? Int ?? 0) > 100)
            }
        }
    }

    @Test("the confirmation and notice emails parse cleanly, carry no list headers, and link where they say")
    func transactionalEmails() async throws {
        let renderer = try await RenderFixtures.renderer()
        let folder = try TemporaryDirectory()
        let confirmation = renderer.confirmationEmail(
            RenderFixtures.confirmation,
            from: RenderFixtures.from,
            to: RenderFixtures.reader,
            messageID: "confirm.1@news.example.org",
            date: RenderFixtures.now
        )
        let notice = renderer.noticeEmail(
            NoticeContent(
                siteTitle: "Gazette",
                title: "You are unsubscribed",
                paragraphs: ["You will get no more digests.", "Changed your mind? Subscribe again any time."],
                link: (label: "Subscribe again", url: URL(string: "https://news.example.org/subscribe")!)
            ),
            from: RenderFixtures.from,
            to: RenderFixtures.reader,
            messageID: "notice.1@news.example.org",
            date: RenderFixtures.now
        )
        for (name, message, link) in [
            ("confirm", confirmation, "https://news.example.org/confirm/abc"),
            ("notice", notice, "https://news.example.org/subscribe"),
        ] {
            let file = folder.file("\(name).eml")
            try Data(message.bytes()).write(to: file)
            let parsed = try Peers.json(Peers.runScript("check_email.py", [file.path]))
            #expect((parsed["defects"] as? [String]) == [], "\(name)")
            #expect(parsed["subject"] as? String == message.subject)
            let headers = parsed["headerNames"] as? [String] ?? []
            #expect(!headers.contains("list-unsubscribe") && !headers.contains("precedence"), "\(name): \(headers)")
            let parts = try #require(parsed["parts"] as? [[String: Any]])
            #expect(parts.map { $0["type"] as? String } == ["text/plain", "text/html"])
            for part in parts { #expect((part["text"] as? String)?.contains(link) == true, "\(name)") }
        }
    }
}
