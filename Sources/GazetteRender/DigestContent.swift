import Foundation
import GazetteCore

/// What a digest template sees. Field names match the names in `templates/digest.*.mustache`;
/// every string from a feed has been made safe for XML and, where single-line, for headers.
public struct DigestContent: Sendable {
    public struct Item: Sendable {
        public var title: String
        /// "* title", wrapped at 72 columns, for the text part.
        public var titleWrapped: String
        public var url: String?
        public var sourceName: String
        public var publishedLabel: String
        public var summary: String
        /// The summary wrapped at 72 columns and indented, for the text part.
        public var summaryWrapped: String
    }

    public struct Section: Sendable {
        public var heading: String
        public var articles: [Item]
    }

    public var siteTitle: String
    /// The subject line, also the HTML title.
    public var title: String
    public var dateLabel: String
    public var scopeLabel: String
    /// For the text part: the scope and the footer, wrapped at 72 columns.
    public var scopeWrapped: String
    public var footerWrapped: String
    public var recipient: String
    public var unsubscribeURL: String
    public var feedURL: String?
    public var sections: [Section]

    public var articleCount: Int { sections.reduce(0) { $0 + $1.articles.count } }

    /// Groups the articles by country, in the order of the subscription's countries, newest first.
    public init(
        recipient: EmailAddress,
        subscription: Subscription,
        articles: [Article],
        sourceNames: [String: String],
        siteTitle: String,
        unsubscribeURL: URL,
        feedURL: URL?,
        date: Date
    ) {
        let zone = subscription.timeZone
        let countryNames = subscription.countries.map(\.name)
        var scope = countryNames.joined(separator: ", ")
        if !subscription.topics.isEmpty {
            scope += " (" + subscription.topics.map(\.slug).joined(separator: ", ") + ")"
        }
        self.siteTitle = SafeText.line(siteTitle)
        self.scopeLabel = scope
        self.scopeWrapped = TextWrap.wrap(scope)
        self.footerWrapped = TextWrap.wrap(
            "You receive this digest because \(recipient.value) subscribed to \(scope) at \(self.siteTitle)."
        )
        self.dateLabel = DigestContent.dayFormat(zone).string(from: date)
        self.title = "\(self.siteTitle): \(scope), \(DigestContent.shortDayFormat(zone).string(from: date))"
        self.recipient = recipient.value
        self.unsubscribeURL = unsubscribeURL.absoluteString
        self.feedURL = feedURL?.absoluteString
        let timeFormat = DigestContent.timeFormat(zone)
        let byCountry = Dictionary(grouping: articles, by: \.country)
        sections = subscription.countries.compactMap { country in
            guard let articles = byCountry[country], !articles.isEmpty else { return nil }
            let items = articles.sorted { $0.publishedAt > $1.publishedAt }.map { article in
                let summary = SafeText.xml(TextSnippet.lead(article.text))
                let title = SafeText.line(article.title)
                return Item(
                    title: title,
                    titleWrapped: TextWrap.wrap(title, width: 72, firstIndent: "* ", indent: "  "),
                    url: article.url,
                    sourceName: SafeText.line(sourceNames[article.sourceID] ?? article.sourceID),
                    publishedLabel: timeFormat.string(from: article.publishedAt),
                    summary: summary,
                    summaryWrapped: TextWrap.wrap(summary, width: 72, indent: "  ")
                )
            }
            return Section(heading: country.name, articles: items)
        }
    }

    private static func formatter(_ format: String, _ zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = format
        return formatter
    }

    static func dayFormat(_ zone: TimeZone) -> DateFormatter { formatter("EEEE, d MMMM yyyy", zone) }
    static func shortDayFormat(_ zone: TimeZone) -> DateFormatter { formatter("d MMM yyyy", zone) }
    static func timeFormat(_ zone: TimeZone) -> DateFormatter { formatter("d MMM, HH:mm zzz", zone) }
}
