import Foundation
import GazetteCore
import Synchronization

/// The links every digest carries, on the routes the web face serves.
public struct DigestLinks: Sendable {
    /// `/unsubscribe/{token}`: one click (or one POST, RFC 8058) and the reader is out.
    public var unsubscribe: URL
    /// `mailto:` for `List-Unsubscribe`, for clients that prefer mail; nil: none.
    public var unsubscribeMailto: URL?
    /// `/manage/{token}`: change countries, topics, hour and format.
    public var manage: URL
    /// `/archive/{edition}`: this edition as a web page.
    public var archive: URL
    /// The public feed of the reader's country, when there is one.
    public var feed: URL?

    public init(unsubscribe: URL, unsubscribeMailto: URL? = nil, manage: URL, archive: URL, feed: URL? = nil) {
        self.unsubscribe = unsubscribe
        self.unsubscribeMailto = unsubscribeMailto
        self.manage = manage
        self.archive = archive
        self.feed = feed
    }
}

/// What a digest template sees (by the names in TemplateValues.swift, which match the templates);
/// every string from a feed has been made safe for XML and, where single-line, for headers.
public struct DigestContent: Sendable {
    /// How another outlet covered the same story.
    public struct Take: Sendable, Hashable {
        public var sourceName: String
        public var countryName: String
        public var title: String
        public var url: String?
        /// Its citation number in the story's summary.
        public var citation: Int
        /// "[n] Outlet (Country): title", wrapped and indented for the text part.
        public var lineWrapped: String
    }

    public struct Item: Sendable, Hashable {
        /// 1, 2, 3… across the whole digest, for the text part.
        public var number: Int
        /// "* title", wrapped at 72 columns, for the text part.
        public var titleWrapped: String
        /// Every other value, shared by the copies of a story's item: an item is copied for
        /// each digest and each cache lookup, and a copy costs two counts (this and the wrapped
        /// title), not one for each of nine texts and lists.
        let values: Values

        final class Values: Sendable, Equatable {
            let title: String
            let url: String?
            let sourceName: String
            let publishedLabel: String
            let summary: String
            let summaryWrapped: String
            let summaryParts: [SummaryPart]
            let takes: [Take]

            init(
                title: String,
                url: String?,
                sourceName: String,
                publishedLabel: String,
                summary: String,
                summaryWrapped: String,
                summaryParts: [SummaryPart],
                takes: [Take]
            ) {
                self.title = title
                self.url = url
                self.sourceName = sourceName
                self.publishedLabel = publishedLabel
                self.summary = summary
                self.summaryWrapped = summaryWrapped
                self.summaryParts = summaryParts
                self.takes = takes
            }

            static func == (lhs: Values, rhs: Values) -> Bool {
                lhs === rhs
                    || (lhs.title == rhs.title && lhs.url == rhs.url && lhs.sourceName == rhs.sourceName
                        && lhs.publishedLabel == rhs.publishedLabel && lhs.summary == rhs.summary
                        && lhs.summaryWrapped == rhs.summaryWrapped && lhs.summaryParts == rhs.summaryParts
                        && lhs.takes == rhs.takes)
            }
        }

        public var title: String { values.title }
        public var url: String? { values.url }
        public var sourceName: String { values.sourceName }
        public var publishedLabel: String { values.publishedLabel }
        public var summary: String { values.summary }
        /// The summary wrapped at 72 columns and indented, for the text part.
        public var summaryWrapped: String { values.summaryWrapped }
        /// The summary sentence by sentence with citations, when it draws on several articles.
        public var summaryParts: [SummaryPart] { values.summaryParts }
        public var hasSummaryParts: Bool { !values.summaryParts.isEmpty }
        /// Other outlets' articles on the same story: the alternative takes.
        public var takes: [Take] { values.takes }
        public var hasTakes: Bool { !values.takes.isEmpty }

        /// A few short values, not all of them: a story's rendering is looked up by its values
        /// for every digest it goes to, and hashing its summaries and takes cost more than the
        /// lookup saved. Equality still compares every value.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(number)
            hasher.combine(title)
            hasher.combine(url)
            hasher.combine(publishedLabel)
            hasher.combine(takes.count)
        }
    }

    public struct Section: Sendable {
        public var heading: String
        public var articles: [Item]
    }

    public var siteTitle: String
    /// The hidden first line mail clients show in the inbox: the top headlines.
    public var preheader: String
    /// The subject line, also the HTML title.
    public var title: String
    public var dateLabel: String
    public var scopeLabel: String
    /// For the text part: the scope and the footer, wrapped at 72 columns.
    public var scopeWrapped: String
    public var footerWrapped: String
    public var recipient: String
    public var unsubscribeURL: String
    public var manageURL: String
    /// The edition's web-archive page: the "view in browser" link.
    public var archiveURL: String
    public var feedURL: String?
    public var sections: [Section]
    /// False for a "nothing new today" edition (sent only when the operator asks for them).
    public var hasStories: Bool

    public var articleCount: Int { sections.reduce(0) { $0 + $1.articles.count } }

    /// One story of a digest: the subscriber's article that leads it, the story's summary (nil:
    /// the article's own lead), and the other articles on the same story.
    public struct Story: Sendable {
        public var lead: Article
        /// The story's summary, each sentence with the id of the article it came from; nil:
        /// the lead article's own first sentences.
        public var summary: [(text: String, articleID: Int64?)]?
        public var takes: [Article]

        public init(lead: Article, summary: [(text: String, articleID: Int64?)]? = nil, takes: [Article] = []) {
            self.lead = lead
            self.summary = summary
            self.takes = takes
        }

        /// The summary as one paragraph, without citations (for feeds).
        public var summaryText: String? { summary?.map(\.text).joined(separator: " ") }
    }

    /// A summary sentence and the number of the article it cites ([1] is the lead article,
    /// [2]… the alternative takes in order), with that article's link.
    public struct SummaryPart: Sendable, Hashable {
        public var text: String
        public var citation: Int
        public var url: String?
    }

    /// Groups the stories by their lead article's country, in the order of the subscription's
    /// countries, keeping the stories' order (the caller ranks them).
    /// - Parameter items: where each story's item is built once for every digest it goes to
    ///   (nil: built here).
    public init(
        recipient: EmailAddress,
        subscription: Subscription,
        stories: [Story],
        sourceNames: [String: String],
        siteTitle: String,
        links: DigestLinks,
        date: Date,
        items: StoryItems? = nil
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
        self.dateLabel = DateFormats.shared.string(date, "EEEE, d MMMM yyyy", zone)
        self.title = "\(self.siteTitle): \(scope), \(DateFormats.shared.string(date, "d MMM yyyy", zone))"
        self.recipient = recipient.value
        self.unsubscribeURL = links.unsubscribe.absoluteString
        self.manageURL = links.manage.absoluteString
        self.archiveURL = links.archive.absoluteString
        self.feedURL = links.feed?.absoluteString
        let byCountry = Dictionary(grouping: stories, by: \.lead.country)
        var number = 0
        sections = subscription.countries.compactMap { country in
            guard let stories = byCountry[country], !stories.isEmpty else { return nil }
            let articles = stories.map { story in
                number += 1
                var item = Self.item(story, sourceNames: sourceNames, zone: zone, cache: items)
                item.number = number
                item.titleWrapped = TextWrap.wrap(item.title, width: 72, firstIndent: "\(number). ", indent: "  ")
                return item
            }
            return Section(heading: country.name, articles: articles)
        }
        hasStories = !sections.isEmpty
        let headlines = sections.flatMap(\.articles).prefix(3).map(\.title).joined(separator: " · ")
        preheader = hasStories ? String(headlines.prefix(140)) : "Nothing new for \(scope) since the last edition."
    }

    /// A story's item with every value but its place (`number` 0, `titleWrapped` empty), from
    /// `cache` when the same story was built before.
    private static func item(
        _ story: Story,
        sourceNames: [String: String],
        zone: TimeZone,
        cache: StoryItems?
    ) -> Item {
        let name = { (article: Article) in sourceNames[article.sourceID] ?? article.sourceID }
        guard let cache else { return item(story, sourceName: name, zone: zone) }
        let shown = { (article: Article, text: TextDigest?) in
            StoryItems.Key.Shown(
                id: article.id,
                title: article.title,
                url: article.url,
                publishedAt: article.publishedAt,
                country: article.country,
                text: text
            )
        }
        let key = StoryItems.Key(
            zone: zone.identifier,
            lead: shown(story.lead, story.summary?.isEmpty == false ? nil : .init(story.lead.text)),
            takes: story.takes.map { shown($0, nil) },
            summary: (story.summary ?? []).map { StoryItems.Key.Sentence(text: $0.text, articleID: $0.articleID) },
            sourceNames: ([story.lead] + story.takes).map(name)
        )
        return cache.item(key) { item(story, sourceName: name, zone: zone) }
    }

    private static func item(_ story: Story, sourceName: (Article) -> String, zone: TimeZone) -> Item {
        let article = story.lead
        let cited = [article] + story.takes
        let citation = { (id: Int64?) in (cited.firstIndex { $0.id != nil && $0.id == id } ?? 0) + 1 }
        let parts = (story.summary ?? []).map { sentence in
            let number = citation(sentence.articleID)
            return SummaryPart(
                text: SafeText.xml(sentence.text),
                citation: number,
                url: SafeText.webURL(cited[number - 1].url)
            )
        }
        let summary =
            parts.isEmpty
            ? SafeText.xml(TextSnippet.lead(article.text))
            : parts.map { "\($0.text) [\($0.citation)]" }.joined(separator: " ")
        let takes = story.takes.enumerated().map { offset, take in
            let source = SafeText.line(sourceName(take))
            let line = "[\(offset + 2)] \(source) (\(take.country.name)): \(SafeText.line(take.title))"
            return Take(
                sourceName: source,
                countryName: take.country.name,
                title: SafeText.line(take.title),
                url: SafeText.webURL(take.url),
                citation: offset + 2,
                lineWrapped: TextWrap.wrap(line, width: 72, firstIndent: "  - ", indent: "    ")
                    + (SafeText.webURL(take.url).map { "\n    " + $0 } ?? "")
            )
        }
        return Item(
            number: 0,
            titleWrapped: "",
            values: Item.Values(
                title: SafeText.line(article.title),
                url: SafeText.webURL(article.url),
                sourceName: SafeText.line(sourceName(article)),
                publishedLabel: DateFormats.shared.string(article.publishedAt, "d MMM, HH:mm zzz", zone),
                summary: summary,
                summaryWrapped: TextWrap.wrap(summary, width: 72, indent: "  "),
                summaryParts: parts,
                takes: takes
            )
        )
    }

    /// Each article as a story of its own, with no alternative takes.
    public init(
        recipient: EmailAddress,
        subscription: Subscription,
        articles: [Article],
        sourceNames: [String: String],
        siteTitle: String,
        links: DigestLinks,
        date: Date
    ) {
        self.init(
            recipient: recipient,
            subscription: subscription,
            stories: articles.sorted { $0.publishedAt > $1.publishedAt }.map { Story(lead: $0) },
            sourceNames: sourceNames,
            siteTitle: siteTitle,
            links: links,
            date: date
        )
    }

}

/// Date formatters by format and time zone, made once: making one costs far more than using it,
/// and every digest needs three. DateFormatter is not safe to share between threads, so each is
/// used under the lock. Each keeps its last date's text too: a send's digests share their date.
final class DateFormats: Sendable {
    static let shared = DateFormats()

    private struct Key: Hashable {
        var format: String
        var zone: String
    }

    private struct Entry {
        let formatter: DateFormatter
        var last: (date: Date, text: String)?
    }

    private let formatters = Mutex<[Key: Entry]>([:])

    func string(_ date: Date, _ format: String, _ zone: TimeZone) -> String {
        formatters.withLock { formatters in
            let key = Key(format: format, zone: zone.identifier)
            var entry: Entry
            if let known = formatters[key] {
                if let last = known.last, last.date == date { return last.text }
                entry = known
            } else {
                // A bounded cache: formats are a handful, zones the subscribers' (at most a few hundred).
                if formatters.count >= 1_024 { formatters.removeAll() }
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = zone
                formatter.dateFormat = format
                entry = Entry(formatter: formatter)
            }
            let text = entry.formatter.string(from: date)
            entry.last = (date, text)
            formatters[key] = entry
            return text
        }
    }
}
