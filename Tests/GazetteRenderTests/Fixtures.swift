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
