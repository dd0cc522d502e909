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
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: repairingUTF8(bytes))
        } catch {
            // The parser's own account says where ("Invalid value around character 12.");
            // the localized description only says that the data is not in the right format.
            let account = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw FeedParseError(line: nil, message: "not valid JSON: \(account ?? error.localizedDescription)")
        }
        guard let feed = object as? [String: Any] else {
            throw FeedParseError(line: nil, message: "a JSON Feed must be an object")
        }
        guard let version = feed["version"] as? String, version.hasPrefix("https://jsonfeed.org/version/") else {
            throw FeedParseError(line: nil, message: "JSON without a jsonfeed.org \"version\" is not a JSON Feed")
        }
        guard let items = feed["items"] as? [Any] else {
            throw FeedParseError(line: nil, message: "JSON Feed has no \"items\" array")
        }
        return ParsedFeed(
            format: .jsonFeed,
            title: feed["title"] as? String,
            link: feed["home_page_url"] as? String,
            items: items.prefix(FeedParser.maxItems).compactMap { $0 as? [String: Any] }.map(item)
        )
    }

    /// JSON is UTF-8 (RFC 8259), and JSONSerialization refuses a document with one invalid
    /// byte: such bytes become U+FFFD first, as they do in XML feeds, so that one bad byte in
    /// a title does not lose the whole feed. Valid documents, nearly all, are only checked.
    static func repairingUTF8(_ bytes: Data) -> Data {
        let isValid = bytes.withUnsafeBytes { raw in
            UTF8Bytes.form(of: raw.bindMemory(to: UInt8.self), rejectingC1Controls: false) != nil
        }
        return isValid ? bytes : Data(String(decoding: bytes, as: UTF8.self).utf8)
    }

    private static func item(_ object: [String: Any]) -> FeedItem {
        // 1.0 has "author", 1.1 "authors"; ids may be numbers in the wild.
        let authors = (object["authors"] as? [[String: Any]]) ?? (object["author"] as? [String: Any]).map { [$0] }
        let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue
        let text = (object["content_text"] as? String).map(HTMLText.escape)
        return FeedItem(
            guid: id,
            link: (object["url"] as? String) ?? (object["external_url"] as? String),
            title: (object["title"] as? String).map(HTMLText.escape),
            summaryHTML: (object["summary"] as? String).map(HTMLText.escape),
            contentHTML: (object["content_html"] as? String) ?? text,
            author: authors?.compactMap { $0["name"] as? String }.first,
            dateText: object["date_published"] as? String,
            updatedText: object["date_modified"] as? String,
            categories: (object["tags"] as? [Any])?.compactMap { $0 as? String } ?? [],
            imageURL: (object["image"] as? String) ?? (object["banner_image"] as? String)
        )
    }
}
