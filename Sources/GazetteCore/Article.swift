import Foundation

/// One item of one outlet's feed, normalised to plain text.
public struct Article: Hashable, Sendable {
    /// The store's row id; nil until stored.
    public var id: Int64?
    public var sourceID: String
    /// The feed's own identifier for the item (guid or id), or the link when it has none.
    public var guid: String
    public var url: String?
    public var title: String
    /// Plain text of the item's description or content, whitespace collapsed.
    public var text: String
    /// The item's content or description as sanitized HTML (allowlisted elements and URLs).
    public var contentHTML: String?
    /// An image for the article (absolute http or https URL).
    public var imageURL: String?
    public var author: String?
    public var publishedAt: Date
    public var fetchedAt: Date
    /// When a later fetch changed the stored article (its text, title, links or topics); nil
    /// while it is as first stored.
    public var updatedAt: Date?
    public var country: Country
    public var language: String
    public var topics: [Topic]
    /// The story (the same event across outlets) the article belongs to; nil until clustered.
    public var storyID: String?

    public init(
        id: Int64? = nil,
        sourceID: String,
        guid: String,
        url: String?,
        title: String,
        text: String,
        contentHTML: String? = nil,
        imageURL: String? = nil,
        author: String? = nil,
        publishedAt: Date,
        fetchedAt: Date,
        country: Country,
        language: String,
        topics: [Topic] = [],
        storyID: String? = nil,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.sourceID = sourceID
        self.guid = guid
        self.url = url
        self.title = title
        self.text = text
        self.contentHTML = contentHTML
        self.imageURL = imageURL
        self.author = author
        self.publishedAt = publishedAt
        self.fetchedAt = fetchedAt
        self.country = country
        self.language = language
        self.topics = topics
        self.storyID = storyID
        self.updatedAt = updatedAt
    }

    /// The last time the stored article changed: its first fetch, or a later one that edited it.
    public var lastChanged: Date { updatedAt ?? fetchedAt }
}
