import Foundation
import GazetteCore

/// Renders digests and feeds from the templates. Values in, strings and bytes out: no I/O.
public struct DigestRenderer: Sendable {
    public let templates: TemplateSet

    public init(templates: TemplateSet) {
        self.templates = templates
    }

    /// Forgets the stories rendered so far; the next digests render theirs again. For
    /// benchmarks: a send renders each story once and reuses it for every reader it goes to.
    public func forgetStoryFragments() {
        templates.storyFragments.removeAll()
    }

    public func html(_ content: DigestContent) -> String {
        templates.render(.digestHTML, story: .storyHTML, content)
    }

    public func text(_ content: DigestContent) -> String {
        templates.render(.digestText, story: .storyText, content)
    }

    /// The whole email for one subscriber; `format` decides whether the HTML part is included.
    public func email(
        _ content: DigestContent,
        format: Subscription.Format,
        from: MailboxName,
        to: EmailAddress,
        links: DigestLinks,
        messageID: String,
        date: Date
    ) -> MailMessage {
        MailMessage(
            from: from,
            to: to,
            subject: content.title,
            date: date,
            messageID: messageID,
            listUnsubscribe: links.unsubscribe,
            listUnsubscribeMailto: links.unsubscribeMailto,
            text: text(content),
            html: format == .html ? html(content) : nil
        )
    }

    public func rss(_ content: FeedContent) -> String {
        templates.render(.rss, content)
    }

    public func atom(_ content: FeedContent) -> String {
        templates.render(.atom, content)
    }

    /// JSON Feed 1.1, serialized (JSON needs a JSON encoder, not a template).
    public func jsonFeed(_ content: FeedContent) throws -> Data {
        try content.jsonFeed()
    }

    /// An OPML 2.0 list of feeds, for importing them all into a feed reader at once.
    public func opml(_ list: FeedList) -> String {
        templates.render(.opml, list)
    }
}
