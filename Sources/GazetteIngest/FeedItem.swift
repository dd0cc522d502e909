import Foundation

/// One entry as the feed wrote it, before normalisation.
public struct FeedItem: Hashable, Sendable {
    public var guid: String?
    public var link: String?
    public var title: String?
    /// The item's description or summary, usually HTML.
    public var summaryHTML: String?
    /// The full body (`content:encoded`, Atom `content`), usually HTML.
    public var contentHTML: String?
    public var author: String?
    /// The date as written (pubDate, published, updated, dc:date).
    public var dateText: String?
    public var categories: [String]

    public init(
        guid: String? = nil,
        link: String? = nil,
        title: String? = nil,
        summaryHTML: String? = nil,
        contentHTML: String? = nil,
        author: String? = nil,
        dateText: String? = nil,
        categories: [String] = []
    ) {
        self.guid = guid
        self.link = link
        self.title = title
        self.summaryHTML = summaryHTML
        self.contentHTML = contentHTML
        self.author = author
        self.dateText = dateText
        self.categories = categories
    }
}

/// A parsed feed: its format, its title and its entries in document order.
public struct ParsedFeed: Hashable, Sendable {
    public enum Format: String, Sendable {
        case rss2 = "RSS 2.0"
        case rss1 = "RSS 1.0"
        case atom = "Atom 1.0"
    }

    public var format: Format
    public var title: String?
    public var items: [FeedItem]

    public init(format: Format, title: String?, items: [FeedItem]) {
        self.format = format
        self.title = title
        self.items = items
    }
}
