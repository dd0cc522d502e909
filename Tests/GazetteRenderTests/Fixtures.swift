import Foundation
import GazetteCore
import GazetteRender
import TestSupport

/// Digest and feed inputs shared by the render tests, with hostile text on purpose.
enum RenderFixtures {
    static let now = Date(timeIntervalSince1970: 1_795_900_000)
    static let reader = EmailAddress("léa@example.org") ?? EmailAddress("lea@example.org")!

    static let articles: [Article] = [
        Article(
            id: 1,
            sourceID: "rundschau",
            guid: "r-1",
            url: "https://rundschau.example/a?x=1&y=2",
            title: "Zürich & <Genève>: \"talks\" résumé",
            text: "Delegates met in Zürich. "
                + String(repeating: "A long sentence about the negotiations that goes on and on. ", count: 4)
                + "Control\u{0001}character.",
            publishedAt: now.addingTimeInterval(-3_600),
            fetchedAt: now,
            country: Country(code: "DE")!,
            language: "de"
        ),
        Article(
            id: 2,
            sourceID: "courrier",
            guid: "c-1",
            url: nil,
            title: "Line\nbreak in a title",
            text: "Une phrase en français. 東京 news. {{unsubscribeURL}} {{#sections}}x{{/sections}}",
            publishedAt: now.addingTimeInterval(-7_200),
            fetchedAt: now,
            country: Country(code: "FR")!,
            language: "fr"
        ),
    ]

    static let sourceNames = ["rundschau": "Rheinische Rundschau", "courrier": "Le Courrier"]

    static let from = MailboxName(parsing: "Gazette Ünïcode Désk <digest@news.example.org>")!

    static let confirmation = ConfirmationContent(
        siteTitle: "Gazette",
        recipient: reader,
        scope: "Germany, France (climate)",
        confirmURL: URL(string: "https://news.example.org/confirm/abc")!,
        validHours: 48
    )

    /// The first article leads a story, the second is its alternative take, cited in the summary.
    static var storyWithTakes: [DigestContent.Story] {
        [
            DigestContent.Story(
                lead: articles[0],
                summary: [(text: "Delegates met in Zürich.", articleID: 1), (text: "Une phrase.", articleID: 2)],
                takes: [articles[1]]
            )
        ]
    }

    /// What a hostile feed could put in an article, in every field a template shows.
    static var hostileStories: [DigestContent.Story] {
        func article(_ id: Int64, title: String, url: String?, text: String) -> Article {
            Article(
                id: id,
                sourceID: "rundschau",
                guid: "h-\(id)",
                url: url,
                title: title,
                text: text,
                publishedAt: now.addingTimeInterval(-600),
                fetchedAt: now,
                country: Country(code: "DE")!,
                language: "de"
            )
        }
        let lead = article(
            10,
            title: "<script>alert(1)</script> Hi\r\nBcc: x@evil.test",
            url: "javascript:alert(1)",
            text: "<img src=x onerror=alert(1)> {{unsubscribeURL}} {{> story.html}} \u{0}\u{1B}[31m end."
        )
        let quoted = article(
            11,
            title: "\" onmouseover=\"alert(1)",
            url: "https://ok.example/a\" onmouseover=\"alert(1)",
            text: "Quoted."
        )
        let data = article(
            12,
            title: "<iframe src=//evil.test>",
            url: "data:text/html,<script>alert(1)</script>",
            text: ""
        )
        let vb = article(13, title: String(repeating: "🗞️", count: 2_000), url: " vbscript:msgbox(1)", text: "Emoji.")
        return [
            DigestContent.Story(
                lead: lead,
                summary: [
                    (text: "<b onclick=alert(1)>bold</b> claim {{unsubscribeURL}} {{> story.html}}.", articleID: 10),
                    (text: "A take's sentence.", articleID: 13),
                ],
                takes: [quoted, data, vb]
            )
        ]
    }

    static func digest(
        stories: [DigestContent.Story],
        items: StoryItems? = nil,
        timeZone: String = "Europe/Paris"
    ) -> DigestContent {
        DigestContent(
            recipient: EmailAddress("reader@example.org")!,
            subscription: Subscription(
                id: 7,
                subscriberID: 1,
                countries: [Country(code: "FR")!, Country(code: "DE")!],
                timeZone: TimeZone(identifier: timeZone)!
            ),
            stories: stories,
            sourceNames: sourceNames,
            siteTitle: "Gazette Ünïcode",
            links: links,
            date: now,
            items: items
        )
    }

    static func feed(stories: [DigestContent.Story]? = nil) -> FeedContent {
        FeedContent(
            title: "Gazette: Germany",
            description: "News from Germany",
            path: "feeds/country/de.atom",
            stories: stories ?? storyWithTakes,
            sourceNames: sourceNames,
            siteURL: URL(string: "https://news.example.org")!,
            generatedAt: now
        )
    }

    static func digest() -> DigestContent {
        DigestContent(
            recipient: EmailAddress("reader@example.org")!,
            subscription: Subscription(
                id: 7,
                subscriberID: 1,
                countries: [Country(code: "FR")!, Country(code: "DE")!],
                timeZone: TimeZone(identifier: "Europe/Paris")!
            ),
            articles: articles,
            sourceNames: sourceNames,
            siteTitle: "Gazette Ünïcode",
            links: links,
            date: now
        )
    }

    static let links = DigestLinks(
        unsubscribe: URL(string: "https://news.example.org/unsubscribe/abc")!,
        unsubscribeMailto: URL(string: "mailto:digest@news.example.org?subject=unsubscribe%20abc")!,
        manage: URL(string: "https://news.example.org/manage/abc")!,
        archive: URL(string: "https://news.example.org/archive/2026-11-29-0123456789abcdef")!
    )

    static func renderer() async throws -> DigestRenderer {
        DigestRenderer(templates: try await TemplateSet(directory: Paths.templates))
    }
}
