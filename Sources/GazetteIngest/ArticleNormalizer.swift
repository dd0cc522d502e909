import Foundation
import GazetteCore

/// One feed item made safe and uniform, before it belongs to a source.
public struct NormalizedItem: Hashable, Sendable {
    /// The guid or id, else the canonical link, else a stable hash of title and text.
    public var guid: String
    public var url: String?
    public var title: String
    public var text: String
    public var contentHTML: String?
    public var imageURL: String?
    public var author: String?
    public var publishedAt: Date
    /// Whether `publishedAt` came from the feed (false: the feed had no usable date, so the
    /// fetch time stands in).
    public var hasFeedDate: Bool
    public var updatedAt: Date?
    public var categories: [String]
    /// Gazette's topics from the categories and keywords (the source's defaults come later).
    public var topics: [Topic]
}

/// Turns a parsed feed's items into articles of one source: plain text, sanitized HTML,
/// absolute http(s) links, a date that is never in the future, and an identity that survives
/// re-fetching.
public struct ArticleNormalizer: Sendable {
    /// Dates further ahead of the fetch time than this are taken as wrong.
    public var futureTolerance: TimeInterval = 24 * 3_600
    public var maxTitleLength = 500
    public var maxTextLength = 100_000
    public var topicRules: TopicRules
    /// Keep items with no title, text, link or id (for `gazette parse --all-items`); ingest
    /// skips them, since there is nothing to show or to identify.
    public var keepsEmptyItems = false

    public init(topicRules: TopicRules = .standard, keepsEmptyItems: Bool = false) {
        self.topicRules = topicRules
        self.keepsEmptyItems = keepsEmptyItems
    }

    /// The items, and one message per item that had to be skipped.
    public func items(
        from feed: ParsedFeed,
        feedURL: String,
        fetchedAt: Date
    ) -> (
        items: [NormalizedItem], skipped: [String]
    ) {
        var items: [NormalizedItem] = []
        var skipped: [String] = []
        /// The items without a guid that take their link as identity, by link.
        var identifiedByLink: [String: [Int]] = [:]
        let feedBase = URL(string: feedURL)
        for (index, item) in feed.items.enumerated() {
            let html = item.contentHTML ?? item.summaryHTML ?? ""
            let link = absoluteWebLink(item.link, base: feedBase)
            // What the item's relative links resolve against, parsed only if one needs it.
            let itemBase = { link.map { URL(string: $0) } ?? feedBase }
            let extracted = HTMLContent.extract(
                html,
                baseURL: itemBase(),
                textLimit: maxTextLength,
                htmlLimit: maxTextLength * 2,
                sanitize: true
            )
            let text = extracted.text
            var title = HTMLText.plainTextLine(item.title ?? "", limit: maxTitleLength)
            if title.isEmpty { title = ByteText.prefix(text, 80) }
            if title.isEmpty, let fallback = link ?? item.guid { title = ByteText.prefix(fallback, maxTitleLength) }
            guard !title.isEmpty || keepsEmptyItems else {
                skipped.append("item \(index + 1): no title, text, link or id")
                continue
            }
            let content = extracted.html
            let published = plausibleDate(item.dateText, fetchedAt: fetchedAt)
            let categories = item.categories.map { ByteText.prefix(ByteText.singleLine($0), 100) }
                .filter { !$0.isEmpty }
            if item.guid?.isEmpty ?? true, let link { identifiedByLink[link, default: []].append(items.count) }
            items.append(
                NormalizedItem(
                    guid: identity(of: item, link: link, title: title, text: text),
                    url: link,
                    title: title,
                    text: text,
                    contentHTML: content.isEmpty ? nil : content,
                    imageURL: item.imageURL.flatMap { absoluteWebLink($0, base: itemBase()) },
                    author: item.author.map { ByteText.prefix(ByteText.singleLine($0), 200) }
                        .flatMap { $0.isEmpty ? nil : $0 },
                    publishedAt: published ?? fetchedAt,
                    hasFeedDate: published != nil,
                    updatedAt: plausibleDate(item.updatedText, fetchedAt: fetchedAt),
                    categories: categories,
                    topics: topicRules.topics(
                        title: title,
                        lead: Self.lead(of: text),
                        categories: categories,
                        sourceTopics: []
                    )
                )
            )
        }
        // Items with no guid that share a link (a section page, a live blog) are different
        // articles: each takes the link and its title as identity, or they would all be one.
        for (link, indices) in identifiedByLink where indices.count > 1 {
            for index in indices { items[index].guid = link + "#" + StableHash.hex(items[index].title) }
        }
        return (items, skipped)
    }

    /// A feed's articles, and one message per item that had to be skipped.
    public typealias Articles = (articles: [Article], skipped: [String])

    /// The source's articles, and one message per item that had to be skipped.
    public func articles(from feed: ParsedFeed, source: Source, feedURL: String, fetchedAt: Date) -> Articles {
        let (items, skipped) = items(from: feed, feedURL: feedURL, fetchedAt: fetchedAt)
        let articles = items.map { item in
            Article(
                sourceID: source.id,
                guid: item.guid,
                url: item.url,
                title: item.title,
                text: item.text,
                contentHTML: item.contentHTML,
                imageURL: item.imageURL,
                author: item.author,
                publishedAt: item.publishedAt,
                fetchedAt: fetchedAt,
                country: source.country,
                language: source.language,
                topics: Array(Set(item.topics + source.topics)).sorted()
            )
        }
        return (articles, skipped)
    }

    /// The first 300 characters, where topic keywords count only twice over. Grapheme breaking
    /// costs more than the matching, so text where every scalar is a character of its own is
    /// cut by scalars: below U+0300 (Latin), Greek and Cyrillic letters (U+0380–U+047F), and
    /// general punctuation (U+2000–U+207F: curly quotes, dashes) but the joiners U+200C and
    /// U+200D, without CR (a CR LF pair is one character). None of these extends the scalar
    /// before it, so a 301st such scalar means nothing extends the 300th. Other text (combining
    /// marks, other scripts, emoji) takes Swift's way.
    static func lead(of text: String) -> Substring {
        guard text.utf8.count > 300 else { return text[...] }
        var text = text
        // The byte offset of the 301st scalar; nil when there is none; -1 for Swift's way.
        let cut = text.withUTF8 { bytes -> Int? in
            var scalars = 0
            var offset = 0
            // More than 300 bytes: there is a base address.
            let raw = UnsafeRawPointer(bytes.baseAddress!)
            while offset < bytes.count {
                // ASCII but CR, eight bytes at a time, each a character, short of the 301st.
                while scalars + 8 <= 300, offset + 8 <= bytes.count {
                    let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    let carriageReturns = word ^ 0x0D0D_0D0D_0D0D_0D0D
                    let hasCarriageReturn =
                        (carriageReturns &- 0x0101_0101_0101_0101) & ~carriageReturns & 0x8080_8080_8080_8080 != 0
                    guard word & 0x8080_8080_8080_8080 == 0, !hasCarriageReturn else { break }
                    scalars += 8
                    offset += 8
                }
                guard offset < bytes.count else { break }
                let byte = bytes[offset]
                defer { offset += 1 }
                // Continuation bytes, then what starts a scalar of its own character.
                if byte & 0xC0 == 0x80 { continue }
                switch byte {
                case 0x0D: return -1
                case 0x00..<0xCC, 0xCE...0xD1: break
                // Valid UTF-8: two continuation bytes follow.
                case 0xE2 where bytes[offset + 1] <= 0x81:
                    if bytes[offset + 1] == 0x80, bytes[offset + 2] == 0x8C || bytes[offset + 2] == 0x8D { return -1 }
                default: return -1
                }
                if scalars == 300 { return offset }
                scalars += 1
            }
            return nil
        }
        switch cut {
        case nil: return text[...]
        case -1: return text.prefix(300)
        case let offset?: return text[..<text.utf8.index(text.utf8.startIndex, offsetBy: offset)]
        }
    }

    /// A parsed date, unless it is missing, unreadable or further in the future than tolerated.
    private func plausibleDate(_ text: String?, fetchedAt: Date) -> Date? {
        guard let date = text.flatMap(FeedDate.parse), date <= fetchedAt.addingTimeInterval(futureTolerance) else {
            return nil
        }
        return date
    }

    private func identity(of item: FeedItem, link: String?, title: String, text: String) -> String {
        if let guid = item.guid, !guid.isEmpty { return ByteText.prefix(guid, 1_000) }
        if let link { return link }
        return "hash:" + StableHash.hex(title + "\n" + text)
    }

    /// Only http and https links are kept, made absolute against the feed's URL.
    private func absoluteWebLink(_ link: String?, base: @autoclosure () -> URL?) -> String? {
        guard let link, !link.isEmpty, link.utf8.count <= 2_000 else { return nil }
        // Most links are already what URL parsing would return: skip it for them.
        if WebLink.isPlainAbsolute(link) { return link }
        guard let url = URL(string: link, relativeTo: base())?.absoluteURL,
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url.absoluteString
    }
}
