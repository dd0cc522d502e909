import Curl
import Foundation
import GazetteCore
import GazetteIngest

/// What Gazette makes of one feed, for `gazette parse`: no store, no config needed.
public struct InspectedFeed: Sendable {
    public var location: String
    public var format: ParsedFeed.Format
    /// Set when the feed was not well-formed and was read in recovery mode.
    public var warning: String?
    public var title: String?
    public var link: String?
    public var items: [NormalizedItem]
    public var skipped: [String]
}

public enum FeedInspector {
    /// Reads a local file, or fetches an http(s) URL with the same limits as ingest.
    /// - Parameter allItems: also show items with no title, text, link or id (ingest skips them).
    public static func inspect(
        _ location: String,
        ingest: GazetteConfiguration.Ingest,
        allItems: Bool = false,
        now: Date = Date()
    ) async throws -> InspectedFeed {
        let body: Data
        let feedURL: String
        if location.hasPrefix("http://") || location.hasPrefix("https://") {
            switch try await FeedFetcher(configuration: ingest).fetch(location, validators: HTTPValidators()) {
            case .fetched(let data, _): body = data
            case .notModified: throw GazetteError("feed \(location): unexpected 304 without validators")
            }
            feedURL = location
        } else {
            // A file, not a folder (the command expands those): saying so spares URL a stat().
            let file = URL(fileURLWithPath: location, isDirectory: false)
            guard let data = FileManager.default.contents(atPath: location) else {
                throw GazetteError("cannot read \(location)")
            }
            guard data.count <= ingest.maxFeedBytes else {
                throw GazetteError("\(location): larger than ingest.maxFeedBytes (\(ingest.maxFeedBytes) bytes)")
            }
            body = data
            feedURL = file.absoluteString
        }
        let feed: ParsedFeed
        do {
            feed = try FeedParser.parse(body)
        } catch {
            throw GazetteError("feed \(location): \(error)")
        }
        let (items, skipped) = ArticleNormalizer(keepsEmptyItems: allItems).items(
            from: feed,
            feedURL: feedURL,
            fetchedAt: now
        )
        return InspectedFeed(
            location: location,
            format: feed.format,
            warning: feed.warning,
            title: feed.title.map { HTMLText.plainTextLine($0) },
            link: feed.link,
            items: items,
            skipped: skipped
        )
    }
}
