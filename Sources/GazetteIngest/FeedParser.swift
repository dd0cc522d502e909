import Foundation

/// Reads RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 documents into `ParsedFeed` values.
public enum FeedParser {
    static let atomNS = "http://www.w3.org/2005/Atom"
    static let rss1NS = "http://purl.org/rss/1.0/"
    static let rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let contentNS = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCoreNS = "http://purl.org/dc/elements/1.1/"

    /// A hard cap on entries per document, so a hostile feed cannot fill the store.
    public static let maxItems = 2_000

    public static func parse(_ bytes: Data) throws(FeedParseError) -> ParsedFeed {
        let document = try XMLDocument(bytes: bytes)
        guard let root = document.root else {
            throw FeedParseError(line: nil, message: "the document has no root element")
        }
        if root.is("rss", in: nil) {
            guard let channel = root.firstChild("channel", in: nil) else {
                throw FeedParseError(line: root.line, message: "<rss> has no <channel>")
            }
            let items = channel.children.filter { $0.is("item", in: nil) }.prefix(maxItems).map(rssItem)
            return ParsedFeed(format: .rss2, title: channel.firstChild("title", in: nil)?.text, items: items)
        }
        if root.is("feed", in: atomNS) {
            let entries = root.children.filter { $0.is("entry", in: atomNS) }.prefix(maxItems).map(atomEntry)
            return ParsedFeed(format: .atom, title: root.firstChild("title", in: atomNS)?.text, items: entries)
        }
        if root.is("RDF", in: rdfNS) {
            let channel = root.firstChild("channel", in: rss1NS)
            let items = root.children.filter { $0.is("item", in: rss1NS) }.prefix(maxItems).map(rdfItem)
            return ParsedFeed(format: .rss1, title: channel?.firstChild("title", in: rss1NS)?.text, items: items)
        }
        let name = root.namespace.map { "{\($0)}\(root.localName)" } ?? root.localName
        throw FeedParseError(line: root.line, message: "root element <\(name)> is not RSS or Atom")
    }

    private static func rssItem(_ item: XMLElement) -> FeedItem {
        var result = FeedItem()
        for child in item.children {
            switch (child.namespace, child.localName) {
            case (nil, "title"): result.title = child.text
            case (nil, "link"): result.link = child.text.trimmed
            case (nil, "guid"):
                result.guid = child.text.trimmed
                // A permalink guid is also the item's link when <link> is missing.
                if child.attribute("isPermaLink") != "false", result.link == nil { result.link = result.guid }
            case (nil, "description"): result.summaryHTML = child.text
            case (contentNS, "encoded"): result.contentHTML = child.text
            case (nil, "pubDate"): result.dateText = child.text
            case (dublinCoreNS, "date"): result.dateText = result.dateText ?? child.text
            case (nil, "author"), (dublinCoreNS, "creator"): result.author = result.author ?? child.text.trimmed
            case (nil, "category"), (dublinCoreNS, "subject"): result.categories.append(child.text.trimmed)
            default: break
            }
        }
        return result
    }

    private static func rdfItem(_ item: XMLElement) -> FeedItem {
        var result = FeedItem()
        result.guid = item.attribute("about")
        for child in item.children {
            switch (child.namespace, child.localName) {
            case (rss1NS, "title"): result.title = child.text
            case (rss1NS, "link"): result.link = child.text.trimmed
            case (rss1NS, "description"): result.summaryHTML = child.text
            case (contentNS, "encoded"): result.contentHTML = child.text
            case (dublinCoreNS, "date"): result.dateText = child.text
            case (dublinCoreNS, "creator"): result.author = child.text.trimmed
            case (dublinCoreNS, "subject"): result.categories.append(child.text.trimmed)
            default: break
            }
        }
        return result
    }

    private static func atomEntry(_ entry: XMLElement) -> FeedItem {
        var result = FeedItem()
        var updated: String?
        for child in entry.children where child.namespace == atomNS {
            switch child.localName {
            case "id": result.guid = child.text.trimmed
            case "title": result.title = atomText(child)
            case "link":
                // The alternate link (rel absent or "alternate") is the article itself.
                let rel = child.attribute("rel") ?? "alternate"
                if rel == "alternate", result.link == nil { result.link = child.attribute("href")?.trimmed }
            case "summary": result.summaryHTML = atomText(child)
            case "content": result.contentHTML = atomText(child)
            case "published": result.dateText = child.text
            case "updated": updated = child.text
            case "author": result.author = result.author ?? child.firstChild("name", in: atomNS)?.text.trimmed
            case "category": if let term = child.attribute("term") { result.categories.append(term.trimmed) }
            default: break
            }
        }
        result.dateText = result.dateText ?? updated
        return result
    }

    /// Atom text constructs, returned as HTML. `type="html"` already is; for `text`, and for
    /// `xhtml` (whose markup `text` has already flattened), the characters are escaped so that a
    /// literal `<` is never taken for a tag.
    private static func atomText(_ element: XMLElement) -> String {
        let text = element.text
        return element.attribute("type") == "html" ? text : HTMLText.escape(text)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
