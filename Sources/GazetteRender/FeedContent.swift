import Foundation
import GazetteCore

/// What a feed template sees; names match `templates/feed.*.mustache`.
public struct FeedContent: Sendable {
    public struct Entry: Sendable {
        /// Stable across runs: derived from the source and the article's own guid.
        public var id: String
        public var title: String
        public var url: String?
        public var summary: String
        /// The entry as HTML, escaped once more by the template (Atom `type="html"`): the
        /// summary with its citations linked, and the alternative takes as a list.
        public var contentHTML: String
        public var sourceName: String
        public var publishedRFC822: String
        public var publishedRFC3339: String
        public var updatedRFC3339: String

        public init(
            id: String,
            title: String,
            url: String?,
            summary: String,
            contentHTML: String,
            sourceName: String,
            published: Date,
            updated: Date
        ) {
            self.id = id
            self.title = SafeText.line(title)
            self.url = SafeText.webURL(url)
            self.summary = SafeText.xml(summary)
            self.contentHTML = SafeText.xml(contentHTML)
            self.sourceName = SafeText.line(sourceName)
            publishedRFC822 = RFCDate.rfc822(published)
            publishedRFC3339 = RFCDate.rfc3339(published)
            updatedRFC3339 = RFCDate.rfc3339(updated)
        }
    }

    /// The feed as JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
    public func jsonFeed() throws -> Data {
        let items: [[String: Any]] = entries.map { entry in
            var item: [String: Any] = [
                "id": entry.id, "title": entry.title, "content_text": entry.summary,
                "content_html": entry.contentHTML, "date_published": entry.publishedRFC3339,
                "date_modified": entry.updatedRFC3339, "authors": [["name": entry.sourceName]],
            ]
            if let url = entry.url { item["url"] = url }
            return item
        }
        let feed: [String: Any] = [
            "version": "https://jsonfeed.org/version/1.1", "title": title, "description": description,
            "home_page_url": siteURL, "feed_url": selfURL,
            "items": items,
        ]
        return try JSONSerialization.data(withJSONObject: feed, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    public var title: String
    public var description: String
    public var siteURL: String
    public var selfURL: String
    public var feedID: String
    public var updatedRFC822: String
    public var updatedRFC3339: String
    public var entries: [Entry]

    /// - Parameters:
    ///   - path: the feed's path under the site, e.g. `feeds/country/de.atom`.
    ///   - generatedAt: used as the feed's update time only when it has no articles.
    /// One entry per story: its lead article's title and link, an id that stays the story's
    /// (see below), the story's summary, and the other outlets that covered it.
    public init(
        title: String,
        description: String,
        path: String,
        stories: [DigestContent.Story],
        sourceNames: [String: String],
        siteURL: URL,
        generatedAt: Date
    ) {
        let host = siteURL.host ?? "localhost"
        self.title = SafeText.line(title)
        self.description = SafeText.line(description)
        self.siteURL = siteURL.absoluteString
        self.selfURL = siteURL.appendingPathComponent(path).absoluteString
        // A tag URI (RFC 4151) names the feed by what it is, not by where it is served.
        let idPath = path.split(separator: ".").first.map(String.init) ?? path
        feedID = "tag:\(host),2026:\(idPath)"
        let newest = stories.map(\.lead.publishedAt).max() ?? generatedAt
        updatedRFC822 = RFCDate.rfc822(newest)
        updatedRFC3339 = RFCDate.rfc3339(newest)
        entries = stories.map { story in
            let article = story.lead
            let sourceName = sourceNames[article.sourceID] ?? article.sourceID
            var summary = story.summaryText ?? TextSnippet.lead(article.text, limit: 600)
            if !story.takes.isEmpty {
                let outlets = story.takes.map { "\(sourceNames[$0.sourceID] ?? $0.sourceID) (\($0.country.name))" }
                summary += " Also covered by: " + Array(Set(outlets)).sorted().joined(separator: ", ") + "."
            }
            // The story's first stored article names the entry, not the lead: the lead changes
            // when older articles leave the feed's window or an earlier-dated one joins, and a
            // new id would show the story again as new in every reader.
            let first = ([article] + story.takes).min { ($0.id ?? .max) < ($1.id ?? .max) } ?? article
            return Entry(
                id: "tag:\(host),2026:article/\(first.sourceID)/\(StableHash.hex(first.guid))",
                title: article.title,
                url: article.url,
                summary: summary,
                contentHTML: Self.html(story, sourceNames: sourceNames),
                sourceName: sourceName,
                published: article.publishedAt,
                // A take joining the story, or an edit of any of its articles, updates the entry.
                updated: ([article.publishedAt, article.updatedAt].compactMap { $0 } + story.takes.map(\.lastChanged))
                    .max() ?? article.publishedAt
            )
        }
    }

    /// A feed whose entries were made by the caller (a subscriber's editions).
    /// - Parameter idPath: what the feed's id names (`feedID`, a tag URI), stable for as long
    ///   as the feed is the same one: not its address, which holds a secret that may change.
    public init(
        title: String,
        description: String,
        path: String,
        idPath: String,
        entries: [Entry],
        siteURL: URL,
        updated: Date
    ) {
        self.title = SafeText.line(title)
        self.description = SafeText.line(description)
        self.siteURL = siteURL.absoluteString
        self.selfURL = siteURL.appendingPathComponent(path).absoluteString
        feedID = "tag:\(siteURL.host ?? "localhost"),2026:\(idPath)"
        updatedRFC822 = RFCDate.rfc822(updated)
        updatedRFC3339 = RFCDate.rfc3339(updated)
        self.entries = entries
    }

    /// The story as an HTML fragment; every piece of feed text escaped here, so that the
    /// fragment is safe however the reader displays it.
    static func html(_ story: DigestContent.Story, sourceNames: [String: String]) -> String {
        let cited = [story.lead] + story.takes
        var html = "<p>"
        if let summary = story.summary {
            html += summary.map { sentence in
                let number = (cited.firstIndex { $0.id != nil && $0.id == sentence.articleID } ?? 0) + 1
                let link =
                    SafeText.webURL(cited[number - 1].url).map { "<a href=\"\(escape($0))\">[\(number)]</a>" }
                    ?? "[\(number)]"
                return escape(sentence.text) + " " + link
            }.joined(separator: " ")
        } else {
            html += escape(TextSnippet.lead(story.lead.text, limit: 600))
        }
        html += "</p>"
        if !story.takes.isEmpty {
            html += "<p>Also covered by:</p><ul>"
            for (offset, take) in story.takes.enumerated() {
                let outlet = escape("\(sourceNames[take.sourceID] ?? take.sourceID) (\(take.country.name))")
                let title =
                    SafeText.webURL(take.url).map { "<a href=\"\(escape($0))\">\(escape(take.title))</a>" }
                    ?? escape(take.title)
                html += "<li>[\(offset + 2)] \(outlet): \(title)</li>"
            }
            html += "</ul>"
        }
        return html
    }

    /// Text escaped for HTML element content and attribute values.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in SafeText.xml(text) {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Each article as an entry of its own.
    public init(
        title: String,
        description: String,
        path: String,
        articles: [Article],
        sourceNames: [String: String],
        siteURL: URL,
        generatedAt: Date
    ) {
        self.init(
            title: title,
            description: description,
            path: path,
            stories: articles.map { DigestContent.Story(lead: $0) },
            sourceNames: sourceNames,
            siteURL: siteURL,
            generatedAt: generatedAt
        )
    }
}

/// What `feeds.opml` sees: every public feed, for a feed reader's import.
public struct FeedList: Sendable {
    public struct Feed: Sendable {
        public var title: String
        public var xmlURL: String
        public var htmlURL: String
    }

    public var title: String
    public var feeds: [Feed]

    public init(title: String, feeds: [(title: String, path: String)], siteURL: URL) {
        self.title = SafeText.line(title)
        self.feeds = feeds.map {
            Feed(
                title: SafeText.line($0.title),
                xmlURL: siteURL.appendingPathComponent($0.path).absoluteString,
                htmlURL: siteURL.absoluteString
            )
        }
    }
}
