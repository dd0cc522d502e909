import Foundation
import GazetteCore
import GazetteRender
import GazetteStore

extension Gazette {
    /// Writes `country/{cc}.rss` and `country/{cc}.atom` under `directory` for every country
    /// that has articles; returns the files written. Each file is replaced atomically.
    public func writeFeeds(to directory: URL) async throws -> [URL] {
        let folder = directory.appendingPathComponent("country")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        let generatedAt = now()
        for country in try await store.countriesWithArticles() {
            let articles = try await store.articles(
                matching: ArticleQuery(
                    countries: [country],
                    since: .distantPast,
                    until: generatedAt,
                    limit: configuration.feeds.maxEntries
                )
            )
            let stories = try await digestStories(for: articles, topics: [], ranked: false)
            for format in ["rss", "atom"] {
                let content = FeedContent(
                    title: "\(configuration.site.title): \(country.name)",
                    description: "News from \(country.name), from \(configuration.site.title)",
                    path: Self.countryFeedPath(country, format: format),
                    stories: stories,
                    sourceNames: sourceNames,
                    siteURL: configuration.site.baseURL,
                    generatedAt: generatedAt
                )
                let xml = format == "rss" ? renderer.rss(content) : renderer.atom(content)
                let file = folder.appendingPathComponent("\(country.slug).\(format)")
                try Data(xml.utf8).write(to: file, options: .atomic)
                written.append(file)
            }
        }
        return written
    }
}
