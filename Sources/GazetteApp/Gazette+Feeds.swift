import Foundation
import GazetteCore
import GazetteRender
import GazetteStore

extension Gazette {
    /// Writes `country/{cc}.rss|atom|json` for every country with articles and
    /// `topic/{slug}.rss|atom|json` for every topic with articles under `directory`, and
    /// `feeds.opml` listing their Atom versions; returns the files written. One entry per story;
    /// each file is replaced atomically.
    public func writeFeeds(to directory: URL) async throws -> [URL] {
        var written: [URL] = []
        let generatedAt = now()
        for country in try await store.countriesWithArticles() {
            written += try await writeFeed(
                query: ArticleQuery(
                    countries: [country],
                    since: .distantPast,
                    until: generatedAt,
                    limit: configuration.feeds.maxEntries
                ),
                title: "\(configuration.site.title): \(country.name)",
                description: "News from \(country.name), from \(configuration.site.title)",
                folder: "country",
                name: country.slug,
                under: directory
            )
        }
        for topic in configuration.topicRules.rules.keys.sorted() {
            written += try await writeFeed(
                query: ArticleQuery(
                    topics: [topic],
                    since: .distantPast,
                    until: generatedAt,
                    limit: configuration.feeds.maxEntries
                ),
                title: "\(configuration.site.title): \(topic.slug)",
                description: "News on \(topic.slug) from every country, from \(configuration.site.title)",
                folder: "topic",
                name: topic.slug,
                under: directory
            )
        }
        let atomFeeds = written.filter { $0.pathExtension == "atom" }.map { file in
            let folder = file.deletingLastPathComponent().lastPathComponent
            let name = file.deletingPathExtension().lastPathComponent
            let title = folder == "country" ? Country(code: name)?.name ?? name : name
            return (
                title: "\(configuration.site.title): \(title)",
                path: Self.feedPath(folder: folder, name: name, format: "atom")
            )
        }
        let list = FeedList(
            title: "\(configuration.site.title) feeds",
            feeds: atomFeeds,
            siteURL: configuration.site.baseURL
        )
        let opml = directory.appendingPathComponent("feeds.opml")
        try Data(renderer.opml(list).utf8).write(to: opml, options: .atomic)
        written.append(opml)
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
        let target = directory.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        var written: [URL] = []
        for format in ["rss", "atom", "json"] {
            let content = FeedContent(
                title: title,
                description: description,
                path: Self.feedPath(folder: folder, name: name, format: format),
                stories: stories,
                sourceNames: sourceNames,
                siteURL: configuration.site.baseURL,
                generatedAt: query.until
            )
            let body: Data
            switch format {
            case "rss": body = Data(renderer.rss(content).utf8)
            case "atom": body = Data(renderer.atom(content).utf8)
            default: body = try renderer.jsonFeed(content)
            }
            let file = target.appendingPathComponent("\(name).\(format)")
            try body.write(to: file, options: .atomic)
            written.append(file)
        }
        return written
    }
}
