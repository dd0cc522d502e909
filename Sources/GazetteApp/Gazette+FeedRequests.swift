import Foundation
import GazetteCore
import GazetteRender
import GazetteStore

/// One feed rendered for an HTTP response.
public struct RenderedFeed: Sendable {
    public var body: [UInt8]
    public var contentType: String
    /// The newest change the feed shows: its `Last-Modified`.
    public var lastModified: Date
}

public enum FeedLookup: Sendable {
    case found(RenderedFeed)
    /// The path names no feed; the text says why, for the 404 page.
    case notFound(String)
}

extension Gazette {
    static let feedContentTypes = [
        "rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    ]

    /// The feed at `path` under `/feeds/`, rendered now: `country/de.atom`, `topic/climate.rss`,
    /// `country/de/climate.json`, or a subscriber's `s/{token}.atom`. A known country or topic
    /// without articles gives a valid empty feed; an unknown one is not found.
    public func renderFeed(path: String) async throws -> FeedLookup {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let file = parts.last, let dot = file.lastIndex(of: "."), parts.count <= 3 else {
            return .notFound("no feed at /feeds/\(path)")
        }
        let name = String(file[..<dot])
        let format = String(file[file.index(after: dot)...])
        guard let contentType = Self.feedContentTypes[format] else {
            return .notFound("feeds come as .rss, .atom or .json, not .\(format)")
        }
        let site = configuration.site.title
        let generatedAt = now()
        // Spelled exactly as the slug: `CLIMATE` would be another cache entry for the same feed.
        func topic(_ slug: String) -> Topic? {
            Topic(slug).flatMap { $0.slug == slug && configuration.topicRules.rules[$0] != nil ? $0 : nil }
        }
        let query: ArticleQuery
        let title: String
        let description: String
        switch (parts.count, parts[0]) {
        case (2, "country"):
            // Exactly the slug: "ıt" (dotless i) and "ﬁ" (a ligature) upper-case to IT and FI.
            guard let country = Country(code: name), name == country.slug else {
                return .notFound("\"\(name)\" is not a lower-case ISO 3166 country code such as de or jp")
            }
            query = feedQuery([country], [], until: generatedAt)
            title = "\(site): \(country.name)"
            description = "News from \(country.name), from \(site)"
        case (2, "topic"):
            guard let topic = topic(name) else {
                let known = configuration.topicRules.rules.keys.sorted().map(\.slug).joined(separator: ", ")
                return .notFound("\"\(name)\" is not a topic; the topics are \(known)")
            }
            query = feedQuery([], [topic], until: generatedAt)
            title = "\(site): \(topic.slug)"
            description = "News on \(topic.slug) from every country, from \(site)"
        case (3, "country"):
            guard let country = Country(code: parts[1]), parts[1] == country.slug else {
                return .notFound("\"\(parts[1])\" is not a lower-case ISO 3166 country code such as de or jp")
            }
            guard let topic = topic(name) else { return .notFound("\"\(name)\" is not a topic") }
            query = feedQuery([country], [topic], until: generatedAt)
            title = "\(site): \(country.name), \(topic.slug)"
            description = "News on \(topic.slug) from \(country.name), from \(site)"
        case (2, "s"):
            // A wrong token and a subscriber without editions look the same from outside.
            guard case .found(let record) = try await subscriber(for: name, action: .feed),
                record.subscriber.status == .active,
                let (entries, newest) = try await privateFeedEntries(record)
            else { return .notFound("no such feed") }
            let body = try feedBody(
                privateFeed(record, entries: entries, updated: newest, format: format),
                format: format
            )
            return .found(RenderedFeed(body: Array(body), contentType: contentType, lastModified: newest))
        default:
            return .notFound("no feed at /feeds/\(path)")
        }
        let articles = try await store.articles(matching: query)
        let stories = try await digestStories(for: articles, topics: [], ranked: false)
        let content = FeedContent(
            title: title,
            description: description,
            path: "feeds/\(path)",
            stories: stories,
            sourceNames: sourceNames,
            siteURL: configuration.site.baseURL,
            generatedAt: generatedAt
        )
        // An article edited by a later fetch changes the feed too: a reader that asks
        // If-Modified-Since must get it again.
        let newest = stories.flatMap { [$0.lead] + $0.takes }.map(\.lastChanged).max() ?? Date(timeIntervalSince1970: 0)
        let body = try feedBody(content, format: format)
        return .found(RenderedFeed(body: Array(body), contentType: contentType, lastModified: newest))
    }

    /// The OPML list of every public Atom feed with articles.
    public func renderFeedList() async throws -> RenderedFeed {
        let site = configuration.site.title
        var feeds: [(title: String, path: String)] = []
        let countries = try await store.countriesWithArticles()
        for country in countries {
            feeds.append((title: "\(site): \(country.name)", path: Self.countryFeedPath(country, format: "atom")))
        }
        for topic in configuration.topicRules.rules.keys.sorted() {
            feeds.append(
                (
                    title: "\(site): \(topic.slug)",
                    path: Self.feedPath(folder: "topic", name: topic.slug, format: "atom")
                )
            )
        }
        let list = FeedList(title: "\(site) feeds", feeds: feeds, siteURL: configuration.site.baseURL)
        return RenderedFeed(
            body: Array(renderer.opml(list).utf8),
            contentType: "text/x-opml; charset=utf-8",
            lastModified: now()
        )
    }

    private func feedQuery(_ countries: [Country], _ topics: [Topic], until: Date) -> ArticleQuery {
        ArticleQuery(
            countries: countries,
            topics: topics,
            since: .distantPast,
            until: until,
            limit: configuration.feeds.maxEntries
        )
    }
}
