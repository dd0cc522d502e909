import Foundation
import GazetteCore
import GazetteRender
import TestSupport
import Testing

@Suite("Email rendering")
struct EmailRenderTests {
    func message(format: Subscription.Format = .html) async throws -> MailMessage {
        let renderer = try await RenderFixtures.renderer()
        return renderer.email(
            RenderFixtures.digest(),
            format: format,
            from: MailboxName(parsing: "Gazette Ünïcode Désk <digest@news.example.org>")!,
            to: EmailAddress("reader@example.org")!,
            links: RenderFixtures.links,
            messageID: "2026-11-29.7.abc@news.example.org",
            date: RenderFixtures.now
        )
    }

    /// What Python's email package, a real MIME parser, makes of the bytes.
    func parsed(_ message: MailMessage) throws -> [String: Any] {
        let folder = try TemporaryDirectory()
        let file = folder.file("message.eml")
        try Data(message.bytes()).write(to: file)
        return try Peers.json(Peers.runScript("check_email.py", [file.path]))
    }

    @Test("multipart/alternative, text then HTML, no defects, subject and From decode to what was sent")
    func multipart() async throws {
        let message = try await self.message()
        let result = try parsed(message)
        #expect((result["defects"] as? [String]) == [])
        #expect(result["contentType"] as? String == "multipart/alternative")
        let parts = try #require(result["parts"] as? [[String: Any]])
        #expect(parts.map { $0["type"] as? String } == ["text/plain", "text/html"])
        #expect(parts.allSatisfy { $0["charset"] as? String == "utf-8" })
        #expect(result["subject"] as? String == message.subject)
        #expect(message.subject.contains("Gazette Ünïcode"))
        #expect(result["from"] as? String == "Gazette Ünïcode Désk <digest@news.example.org>")
        #expect(result["messageID"] as? String == "<2026-11-29.7.abc@news.example.org>")
        let listUnsubscribe = (result["listUnsubscribe"] as? String)?.trimmingCharacters(in: .whitespaces)
        #expect(
            listUnsubscribe
                == "<https://news.example.org/unsubscribe/abc>, <mailto:digest@news.example.org?subject=unsubscribe%20abc>",
            "https first (RFC 8058's one-click POST goes there), then mailto"
        )
        #expect(result["listUnsubscribePost"] as? String == "List-Unsubscribe=One-Click")
        #expect(result["listId"] as? String == "<digest.news.example.org>")
        #expect(result["precedence"] as? String == "bulk")
        #expect((result["longestLine"] as? Int ?? 999) <= 78)
        #expect(result["bareLF"] as? Bool == false)
        let text = try #require(parts[0]["text"] as? String)
        #expect(text.contains("Zürich & <Genève>: \"talks\" résumé"), "text is not HTML-escaped")
        #expect(text.contains("東京"))
        #expect(text.contains("{{unsubscribeURL}}"), "Mustache in article text stays text")
        #expect(text.contains("{{#sections}}x{{/sections}}"))
        let html = try #require(parts[1]["text"] as? String)
        #expect(html.contains("Zürich &amp; &lt;Genève&gt;"), "HTML escapes feed text")
        #expect(!html.contains("<Genève>"))
        #expect(html.contains("https://rundschau.example/a?x=1&amp;y=2"))
        #expect(html.contains(#"<meta name="color-scheme" content="light dark">"#))
        #expect(html.contains("display:none"), "a hidden preheader")
        #expect(
            html.contains("Line break in a title · Zürich &amp; &lt;Genève&gt;"),
            "the preheader lists the top headlines"
        )
    }

    @Test("text format is a single text/plain part")
    func textOnly() async throws {
        let result = try parsed(try await message(format: .text))
        #expect((result["defects"] as? [String]) == [])
        #expect(result["contentType"] as? String == "text/plain")
    }

    @Test("the text part reads well at 72 columns and keeps sections in subscription order")
    func textLayout() async throws {
        let text = try await message().text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A URL cannot be wrapped: only a line that ends in one may be longer.
        let long = lines.filter { $0.count > 72 && !($0.split(separator: " ").last ?? "").hasPrefix("https://") }
        #expect(long.isEmpty, "lines over 72 columns: \(long)")
        #expect(text.contains("\n1. Line break in a title\n"), "stories are numbered across the digest")
        #expect(text.contains("\n2. Zürich"))
        let france = try #require(text.range(of: "== France =="))
        let germany = try #require(text.range(of: "== Germany =="))
        #expect(france.lowerBound < germany.lowerBound)
        #expect(!text.contains("\u{0001}"))
        #expect(text.contains("Line break in a title"), "titles are single lines")
    }
}
