import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
enum JSONFeedParser {
    /// Whether the first character that is not whitespace opens a JSON object.
    static func looksLikeJSON(_ bytes: Data) -> Bool {
        var body = bytes.prefix(64)[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }

    static func parse(_ bytes: Data) throws(FeedParseError) -> ParsedFeed {
        let feed: JSONValue
        do {
            feed = try JSONReader.read(bytes)
        } catch {
            throw FeedParseError(line: error.line, message: "not valid JSON: \(error.problem), column \(error.column)")
        }
        guard feed.isObject else {
            throw FeedParseError(line: nil, message: "a JSON Feed must be an object")
        }
        guard let version = feed["version"]?.string, version.hasPrefix("https://jsonfeed.org/version/") else {
            throw FeedParseError(line: nil, message: "JSON without a jsonfeed.org \"version\" is not a JSON Feed")
        }
        guard let items = feed["items"]?.array else {
            throw FeedParseError(line: nil, message: "JSON Feed has no \"items\" array")
        }
        return ParsedFeed(
            format: .jsonFeed,
            title: feed["title"]?.string,
            link: feed["home_page_url"]?.string,
            items: items.prefix(FeedParser.maxItems).filter(\.isObject).map(item)
        )
    }

    private static func item(_ object: JSONValue) -> FeedItem {
        // 1.0 has "author", 1.1 "authors"; ids may be numbers in the wild.
        let authors = object["authors"]?.array ?? object["author"].map { [$0] }
        let text = object["content_text"]?.string.map(HTMLText.escape)
        return FeedItem(
            guid: object["id"].flatMap(id),
            link: object["url"]?.string ?? object["external_url"]?.string,
            title: object["title"]?.string.map(HTMLText.escape),
            summaryHTML: object["summary"]?.string.map(HTMLText.escape),
            contentHTML: object["content_html"]?.string ?? text,
            author: authors?.lazy.compactMap { $0["name"]?.string }.first,
            dateText: object["date_published"]?.string,
            updatedText: object["date_modified"]?.string,
            categories: object["tags"]?.array?.compactMap(\.string) ?? [],
            imageURL: object["image"]?.string ?? object["banner_image"]?.string
        )
    }

    /// An id as text, as ids were read before (through `JSONSerialization` and `NSNumber`),
    /// so that stored identities stay the same: integers as written, other numbers as `Double`
    /// writes them (`2.0`, `1e3` is "1000.0"), `true` as "1".
    static func id(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let text):
            if let integer = Int64(text) { return String(integer) }
            if let integer = UInt64(text) { return String(integer) }
            // Integers past 64 bits were exact decimals: kept as written.
            if text.utf8.dropFirst(text.hasPrefix("-") ? 1 : 0).allSatisfy({ (0x30...0x39).contains($0) }) {
                return text
            }
            return Double(text).map(\.description)
        case .bool(let flag): return flag ? "1" : "0"
        default: return nil
        }
    }
}
