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
    /// The publication date as written (pubDate, published, issued, dc:date).
    public var dateText: String?
    /// The last-modified date as written (Atom updated, modified, JSON Feed date_modified).
    public var updatedText: String?
    public var categories: [String]
    /// An image for the item (media:content, media:thumbnail, an image enclosure, JSON Feed image).
    public var imageURL: String?

    public init(
        guid: String? = nil,
        link: String? = nil,
        title: String? = nil,
        summaryHTML: String? = nil,
        contentHTML: String? = nil,
        author: String? = nil,
        dateText: String? = nil,
        updatedText: String? = nil,
        categories: [String] = [],
        imageURL: String? = nil
    ) {
        self.guid = guid
        self.link = link
        self.title = title
        self.summaryHTML = summaryHTML
        self.contentHTML = contentHTML
        self.author = author
        self.dateText = dateText
        self.updatedText = updatedText
        self.categories = categories
        self.imageURL = imageURL
    }
}

/// A parsed feed: its format, its title and its entries in document order.
public struct ParsedFeed: Hashable, Sendable {
    public enum Format: String, Sendable {
        case rss2 = "RSS 2.0"
        case rss1 = "RSS 1.0"
        case atom = "Atom 1.0"
        case atom03 = "Atom 0.3"
        case jsonFeed = "JSON Feed"
    }

    public var format: Format
    /// Why the document was not well-formed, when libxml2's recovery mode had to read it.
    public var warning: String?
    public var title: String?
    /// The site the feed belongs to.
    public var link: String?
    public var items: [FeedItem]

    public init(format: Format, title: String?, link: String? = nil, items: [FeedItem]) {
        self.format = format
        self.title = title
        self.link = link
        self.items = items
    }
}
