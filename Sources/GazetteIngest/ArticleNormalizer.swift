import Foundation
import GazetteCore

/// Turns a parsed feed's items into articles of one source: plain text, absolute http(s)
/// links, a date that is never in the future, and an identity that survives re-fetching.
public struct ArticleNormalizer: Sendable {
    /// Dates further ahead of the fetch time than this are taken as wrong.
    public var futureTolerance: TimeInterval = 24 * 3_600
    public var maxTitleLength = 500
    public var maxTextLength = 100_000

    public init() {}

    /// The articles, and one message per item that had to be skipped.
    public func articles(
        from feed: ParsedFeed,
        source: Source,
        feedURL: String,
        fetchedAt: Date
    ) -> (
        articles: [Article], skipped: [String]
    ) {
        var articles: [Article] = []
        var skipped: [String] = []
        for (index, item) in feed.items.enumerated() {
            let text = HTMLText.plainText(fromHTML: item.contentHTML ?? item.summaryHTML ?? "", limit: maxTextLength)
            var title = HTMLText.plainText(fromHTML: item.title ?? "", limit: maxTitleLength)
                .replacingOccurrences(of: "\n", with: " ")
            if title.isEmpty { title = String(text.prefix(80)) }
            guard !title.isEmpty else {
                skipped.append("item \(index + 1): no title and no text")
                continue
            }
            let link = absoluteWebLink(item.link, base: feedURL)
            let guid = identity(of: item, link: link, title: title, text: text)
            var published = item.dateText.flatMap(FeedDate.parse) ?? fetchedAt
            if published > fetchedAt.addingTimeInterval(futureTolerance) { published = fetchedAt }
            let topics = source.topics
            articles.append(
                Article(
                    sourceID: source.id,
                    guid: guid,
                    url: link,
                    title: title,
                    text: text,
                    author: item.author.map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 },
                    publishedAt: published,
                    fetchedAt: fetchedAt,
                    country: source.country,
                    language: source.language,
                    topics: topics
                )
            )
        }
        return (articles, skipped)
    }

    /// The feed's guid when it has one, else the canonical link, else a hash of the content.
    private func identity(of item: FeedItem, link: String?, title: String, text: String) -> String {
        if let guid = item.guid, !guid.isEmpty { return String(guid.prefix(1_000)) }
        if let link { return link }
        return "hash:" + StableHash.hex(title + "\n" + text)
    }

    /// Only http and https links are kept, made absolute against the feed's URL.
    private func absoluteWebLink(_ link: String?, base: String) -> String? {
        guard let link, !link.isEmpty, link.utf8.count <= 2_000,
            let url = URL(string: link, relativeTo: URL(string: base))?.absoluteURL,
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url.absoluteString
    }
}
