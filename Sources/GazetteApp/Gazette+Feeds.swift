import Foundation
import GazetteCore
import GazetteRender
import GazetteStore

extension Gazette {
    /// Writes under `directory`, in RSS, Atom and JSON Feed: `country/{cc}`, `topic/{slug}` and
    /// `country/{cc}/{slug}` for every country, topic and pair with articles; `s/{token}`,
    /// each active subscriber's editions; and `feeds.opml` listing the public Atom feeds.
    /// Returns the files written. One entry per story; each file is replaced atomically.
    public func writeFeeds(to directory: URL) async throws -> [URL] {
        var written: [URL] = []
        let generatedAt = now()
        let site = configuration.site.title
        func query(_ countries: [Country], _ topics: [Topic]) -> ArticleQuery {
            ArticleQuery(
                countries: countries,
                topics: topics,
                since: .distantPast,
                until: generatedAt,
                limit: configuration.feeds.maxEntries
            )
        }
        let countries = try await store.countriesWithArticles()
        let topics = configuration.topicRules.rules.keys.sorted()
        for country in countries {
            written += try await writeFeed(
                query: query([country], []),
                title: "\(site): \(country.name)",
                description: "News from \(country.name), from \(site)",
                folder: "country",
                name: country.slug,
                under: directory
            )
        }
        for topic in topics {
            written += try await writeFeed(
                query: query([], [topic]),
                title: "\(site): \(topic.slug)",
                description: "News on \(topic.slug) from every country, from \(site)",
                folder: "topic",
                name: topic.slug,
                under: directory
            )
        }
        for country in countries {
            for topic in topics {
                written += try await writeFeed(
                    query: query([country], [topic]),
                    title: "\(site): \(country.name), \(topic.slug)",
                    description: "News on \(topic.slug) from \(country.name), from \(site)",
                    folder: "country/\(country.slug)",
                    name: topic.slug,
                    under: directory
                )
            }
        }
        let atomFeeds = written.filter { $0.pathExtension == "atom" }.map { file in
            let path = String(file.path.dropFirst(directory.path.count + 1).dropLast(".atom".count))
            let parts = path.split(separator: "/").map(String.init)
            let countryName = parts.count > 1 && parts[0] == "country" ? Country(code: parts[1])?.name : nil
            let title = ([countryName ?? parts.dropFirst().first ?? path] + parts.dropFirst(2)).joined(separator: ", ")
            return (title: "\(site): \(title)", path: "feeds/\(path).atom")
        }
        let list = FeedList(
            title: "\(configuration.site.title) feeds",
            feeds: atomFeeds,
            siteURL: configuration.site.baseURL
        )
        let opml = directory.appendingPathComponent("feeds.opml")
        try Data(renderer.opml(list).utf8).write(to: opml, options: .atomic)
        written.append(opml)
        written += try await writePrivateFeeds(under: directory, generatedAt: generatedAt)
        return written
    }

    /// Each active subscriber's editions as a feed at `s/{token}`: an address only they know,
    /// like their unsubscribe link. Subscribers with no edition yet get no file.
    private func writePrivateFeeds(under directory: URL, generatedAt: Date) async throws -> [URL] {
        var written: [URL] = []
        for record in try await store.activeSubscribers() {
            guard let (entries, newest) = try await privateFeedEntries(record) else { continue }
            written += try write(name: token(for: record.subscriber, action: .feed), folder: "s", under: directory) {
                format in
                privateFeed(record, entries: entries, updated: newest, format: format)
            }
        }
        // Feeds of subscribers who left, and addresses signed with a retired key or written by
        // an earlier version, must stop working where this folder is served as it is.
        let folder = directory.appendingPathComponent("s")
        let current = Set(written.map(\.lastPathComponent))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where !current.contains(name) {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        return written
    }

    /// A subscriber's editions as feed entries, newest first, and the newest one's time; nil
    /// when they have none yet.
    func privateFeedEntries(_ record: SubscriberRecord) async throws -> ([FeedContent.Entry], Date)? {
        guard let id = record.subscription.id else { return nil }
        let base = configuration.site.baseURL
        // Only what was mailed: the feed mirrors the reader's inbox, as far as it is kept (`prune`).
        let editions = try await store.editions(subscriptionID: id, limit: configuration.feeds.maxEntries)
            .filter { $0.status == .delivered && ($0.html != nil || !$0.text.isEmpty) }
        guard let newest = editions.first else { return nil }
        let entries = editions.map { edition in
            FeedContent.Entry(
                id: "tag:\(base.host ?? "localhost"),2026:edition/\(edition.key)",
                title: edition.subject,
                url: siteURL("archive/" + edition.key).absoluteString,
                summary: TextSnippet.lead(edition.text, limit: 600),
                contentHTML: edition.html ?? "<pre>\(FeedContent.escape(edition.text))</pre>",
                sourceName: configuration.site.title,
                published: edition.createdAt,
                updated: edition.createdAt
            )
        }
        return (entries, newest.createdAt)
    }

    func privateFeed(
        _ record: SubscriberRecord,
        entries: [FeedContent.Entry],
        updated: Date,
        format: String
    )
        -> FeedContent
    {
        FeedContent(
            title: "\(configuration.site.title): your digest",
            description: "The editions mailed to \(record.subscriber.email.value)",
            path: Self.feedPath(folder: "s", name: token(for: record.subscriber, action: .feed), format: format),
            // Its address is a signed token ("key.feed.0.handle.mac"): its first dot-separated
            // part, the key's id, was every subscriber's feed id. The subscriber's number is theirs
            // alone and stays when the signing key changes.
            idPath: "feeds/s/subscriber-\(record.subscriber.id ?? 0)",
            entries: entries,
            siteURL: configuration.site.baseURL,
            updated: updated
        )
    }

    /// One feed in one format, as bytes.
    func feedBody(_ content: FeedContent, format: String) throws -> Data {
        switch format {
        case "rss": Data(renderer.rss(content).utf8)
        case "atom": Data(renderer.atom(content).utf8)
        default: try renderer.jsonFeed(content)
        }
    }

    /// Writes one feed's RSS, Atom and JSON Feed files.
    private func write(
        name: String,
        folder: String,
        under directory: URL,
        content: (String) -> FeedContent
    ) throws -> [URL] {
        let target = directory.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        var written: [URL] = []
        for format in ["rss", "atom", "json"] {
            let body = try feedBody(content(format), format: format)
            let file = target.appendingPathComponent("\(name).\(format)")
            try body.write(to: file, options: .atomic)
            written.append(file)
        }
        return written
    }

    /// Writes the RSS, Atom and JSON Feed files of one feed, or nothing when the query finds no articles.
    private func writeFeed(
        query: ArticleQuery,
        title: String,
        description: String,
        folder: String,
        name: String,
        under directory: URL
    ) async throws -> [URL] {
        let articles = try await store.articles(matching: query)
        guard !articles.isEmpty else { return [] }
        let stories = try await digestStories(for: articles, topics: [], ranked: false)
        return try write(name: name, folder: folder, under: directory) { format in
            FeedContent(
                title: title,
                description: description,
                path: Self.feedPath(folder: folder, name: name, format: format),
                stories: stories,
                sourceNames: sourceNames,
                siteURL: configuration.site.baseURL,
                generatedAt: query.until
            )
        }
    }
}
