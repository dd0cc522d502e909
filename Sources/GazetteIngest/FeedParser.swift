import Foundation

/// Reads RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1 into `ParsedFeed`
/// values. Links are made absolute against `xml:base` where the document sets one; the
/// normaliser resolves what is still relative against the feed's URL.
public enum FeedParser {
    static let atomNS = "http://www.w3.org/2005/Atom"
    static let atom03NS = "http://purl.org/atom/ns#"
    static let rss1NS = "http://purl.org/rss/1.0/"
    static let rss09NS = "http://my.netscape.com/rdf/simple/0.9/"
    static let rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let contentNS = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCoreNS = "http://purl.org/dc/elements/1.1/"
    static let mediaNS = "http://search.yahoo.com/mrss/"
    static let dcTermsNS = "http://purl.org/dc/terms/"
    static let knownNamespaces = [
        atomNS, atom03NS, rss1NS, rss09NS, rdfNS, contentNS, dublinCoreNS, mediaNS, dcTermsNS,
    ]

    /// A hard cap on entries per document, so a hostile feed cannot fill the store.
    public static let maxItems = 2_000

    public static func parse(_ bytes: Data) throws(FeedParseError) -> ParsedFeed {
        try parse(bytes, takesOutCDATA: true)
    }

    /// - Parameter takesOutCDATA: whether `CDATASections` may speed the parse up (tests compare).
    static func parse(_ bytes: Data, takesOutCDATA: Bool) throws(FeedParseError) -> ParsedFeed {
        if JSONFeedParser.looksLikeJSON(bytes) { return try JSONFeedParser.parse(bytes) }
        let document = try XMLDocument(bytes: FeedBytes.prepare(bytes), takesOutCDATA: takesOutCDATA)
        var feed = try parse(document)
        feed.warning = document.recoveredError.map { "not well-formed, read in recovery mode: \($0)" }
        return feed
    }

    private static func parse(_ document: XMLDocument) throws(FeedParseError) -> ParsedFeed {
        guard let root = document.root else {
            throw FeedParseError(line: nil, message: "the document has no root element")
        }
        if root.localName == "rss" {
            // Some feeds put RSS 2.0 in a default namespace of their own; its elements follow it.
            let namespace = root.namespace
            guard let channel = root.firstChild("channel", in: namespace) else {
                throw FeedParseError(line: root.line, message: "<rss> has no <channel>")
            }
            let items = channel.children.filter { $0.is("item", in: namespace) }.prefix(maxItems)
                .map { rssItem($0, namespace: namespace) }
            let title = channel.firstChild("title", in: namespace) ?? channel.firstChild("title", in: dublinCoreNS)
            return ParsedFeed(
                format: .rss2,
                title: title?.text,
                link: channel.firstChild("link", in: namespace).map { $0.resolved($0.text.trimmed) },
                items: items
            )
        }
        if root.localName == "feed" {
            // Atom 1.0, Atom 0.3, and the drafts before it (echo, pie, necho) in whatever
            // namespace they used: their entries share the root's namespace.
            let namespace = root.namespace
            let entries = root.children.filter { $0.is("entry", in: namespace) }.prefix(maxItems)
                .map { atomEntry($0, namespace: namespace) }
            return ParsedFeed(
                format: namespace == atomNS ? .atom : .atom03,
                title: root.firstChild("title", in: namespace).map { HTMLText.plainTextLine(atomText($0)) },
                link: alternateLink(of: root, namespace: namespace),
                items: entries
            )
        }
        if root.is("RDF", in: rdfNS) {
            // RSS 1.0, or its ancestor RSS 0.90 in the Netscape namespace.
            let namespace = root.children.contains { $0.namespace == rss09NS } ? rss09NS : rss1NS
            let channel = root.firstChild("channel", in: namespace)
            let items = root.children.filter { $0.is("item", in: namespace) }.prefix(maxItems)
                .map { rdfItem($0, namespace: namespace) }
            return ParsedFeed(
                format: .rss1,
                title: channel?.firstChild("title", in: namespace)?.text,
                link: channel?.firstChild("link", in: namespace)?.text.trimmed,
                items: items
            )
        }
        let name = root.namespace.map { "{\($0)}\(root.localName)" } ?? root.localName
        // A web page given for its feed: say which feeds it names, as feed readers find them.
        if root.localName.lowercased() == "html" {
            let feeds = linkedFeeds(in: root)
            if !feeds.isEmpty {
                throw FeedParseError(
                    line: root.line,
                    message: "a web page, not a feed; it names \(feeds.count == 1 ? "a feed" : "feeds"): "
                        + feeds.joined(separator: " ")
                )
            }
        }
        throw FeedParseError(line: root.line, message: "root element <\(name)> is not RSS, Atom or JSON Feed")
    }

    /// The feeds a web page names in `<link rel="alternate" type="application/rss+xml" href>`
    /// and the like, in document order, at most five, hrefs as written: what to configure
    /// instead of the page. The page was read as XML in recovery mode, which keeps its head.
    private static func linkedFeeds(in page: XMLElement) -> [String] {
        let feedTypes: Set<String> = [
            "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
        ]
        var feeds: [String] = []
        var pending = [page]
        var visited = 0
        while let element = pending.popLast(), feeds.count < 5, visited < 10_000 {
            visited += 1
            if element.localName.lowercased() == "link",
                let rel = element.attribute("rel")?.lowercased(),
                rel.split(whereSeparator: \.isWhitespace).contains("alternate"),
                let type = element.attribute("type")?.lowercased(),
                feedTypes.contains(type.trimmingCharacters(in: .whitespaces)),
                let href = element.attribute("href").map(ByteText.singleLine), !href.isEmpty
            {
                feeds.append(ByteText.prefix(href, 300))
            }
            pending.append(contentsOf: element.children.reversed())
        }
        return feeds
    }

    private static func rssItem(_ item: XMLElement, namespace: String?) -> FeedItem {
        var result = FeedItem()
        for child in item.children {
            let name = child.localName
            // By namespace first, then by name: a switch over both pairs compared strings ten or
            // more times a child. Elements in the feed's own RSS namespace count as plain RSS ones.
            let childNamespace = child.namespace
            switch childNamespace == namespace ? nil : childNamespace {
            case nil:
                switch name {
                case "title": result.title = child.text
                case "link": result.link = result.link ?? child.resolved(child.text.trimmed)
                case "guid":
                    result.guid = child.text.trimmed
                    // A permalink guid is also the item's link when <link> is missing.
                    if child.attribute("isPermaLink") != "false", result.link == nil {
                        result.link = child.resolved(child.text.trimmed)
                    }
                case "description": result.summaryHTML = child.text
                case "pubDate": result.dateText = child.text
                case "author": result.author = result.author ?? child.text.trimmed
                case "category": result.categories.append(child.text.trimmed)
                case "enclosure":
                    if child.attribute("type")?.hasPrefix("image/") == true, let url = child.attribute("url") {
                        result.imageURL = result.imageURL ?? child.resolved(url)
                    }
                default: break
                }
            case dublinCoreNS?:
                switch name {
                case "title": result.title = result.title ?? child.text
                case "description": result.summaryHTML = result.summaryHTML ?? child.text
                case "date": result.dateText = result.dateText ?? child.text
                case "creator": result.author = result.author ?? child.text.trimmed
                case "subject": result.categories.append(child.text.trimmed)
                default: break
                }
            case dcTermsNS?:
                switch name {
                case "issued", "created": result.dateText = result.dateText ?? child.text
                case "modified": result.updatedText = child.text
                default: break
                }
            case atomNS?:
                switch name {
                case "link":
                    if (child.attribute("rel") ?? "alternate") == "alternate", let href = child.attribute("href") {
                        result.link = result.link ?? child.resolved(href.trimmed)
                    }
                case "updated": result.updatedText = child.text
                default: break
                }
            case contentNS?: if name == "encoded" { result.contentHTML = child.text }
            case mediaNS?: readMedia(child, into: &result)
            default: break
            }
        }
        return result
    }

    /// media:content, media:thumbnail and media:description, also inside media:group.
    private static func readMedia(_ element: XMLElement, into item: inout FeedItem) {
        switch element.localName {
        case "group":
            for child in element.children where child.namespace == mediaNS { readMedia(child, into: &item) }
        case "content":
            let medium = element.attribute("medium") ?? ""
            let type = element.attribute("type") ?? ""
            if medium == "image" || type.hasPrefix("image/") || (medium.isEmpty && type.isEmpty),
                let url = element.attribute("url")
            {
                item.imageURL = item.imageURL ?? element.resolved(url)
            }
            for child in element.children where child.namespace == mediaNS { readMedia(child, into: &item) }
        case "thumbnail":
            if let url = element.attribute("url") { item.imageURL = item.imageURL ?? element.resolved(url) }
        case "description":
            if item.summaryHTML == nil {
                let text = element.text
                item.summaryHTML = element.attribute("type") == "html" ? text : HTMLText.escape(text)
            }
        default:
            break
        }
    }

    private static func rdfItem(_ item: XMLElement, namespace: String) -> FeedItem {
        var result = FeedItem()
        result.guid = item.attribute("about")
        for child in item.children {
            // By namespace first, then by name, as for RSS 2.0 items.
            let (childNamespace, name) = (child.namespace, child.localName)
            switch childNamespace {
            case namespace?:
                switch name {
                case "title": result.title = child.text
                case "link": result.link = child.resolved(child.text.trimmed)
                case "description": result.summaryHTML = child.text
                default: break
                }
            case contentNS?: if name == "encoded" { result.contentHTML = child.text }
            case dublinCoreNS?:
                switch name {
                case "date": result.dateText = child.text
                case "creator": result.author = child.text.trimmed
                case "subject": result.categories.append(child.text.trimmed)
                default: break
                }
            case mediaNS?: readMedia(child, into: &result)
            default: break
            }
        }
        return result
    }

    private static func atomEntry(_ entry: XMLElement, namespace: String?) -> FeedItem {
        var result = FeedItem()
        var created: String?
        for child in entry.children {
            guard child.namespace == namespace else {
                if child.namespace == mediaNS { readMedia(child, into: &result) }
                if child.is("creator", in: dublinCoreNS) { result.author = result.author ?? child.text.trimmed }
                continue
            }
            switch child.localName {
            case "id": result.guid = child.text.trimmed
            case "title": result.title = atomText(child)
            case "link":
                let rel = child.attribute("rel") ?? "alternate"
                if rel == "alternate", result.link == nil, let href = child.attribute("href") {
                    result.link = child.resolved(href.trimmed)
                } else if rel == "enclosure", child.attribute("type")?.hasPrefix("image/") == true,
                    let href = child.attribute("href")
                {
                    result.imageURL = result.imageURL ?? child.resolved(href)
                }
            case "summary": result.summaryHTML = atomText(child)
            case "content": result.contentHTML = atomText(child)
            case "published", "issued": result.dateText = child.text
            case "updated", "modified": result.updatedText = child.text
            case "created": created = child.text
            case "author": result.author = result.author ?? child.firstChild("name", in: namespace)?.text.trimmed
            case "category": if let term = child.attribute("term") { result.categories.append(term.trimmed) }
            default: break
            }
        }
        result.dateText = result.dateText ?? created ?? result.updatedText
        return result
    }

    private static func alternateLink(of element: XMLElement, namespace: String?) -> String? {
        element.children.first { $0.is("link", in: namespace) && ($0.attribute("rel") ?? "alternate") == "alternate" }
            .flatMap { link in link.attribute("href").map { link.resolved($0.trimmed) } }
    }

    /// Atom text constructs, returned as HTML (sanitized later): `html` (Atom 0.3: `text/html`,
    /// or `mode="escaped"`) as written; `xhtml` and XML types as their serialized markup;
    /// base64 (Atom 0.3 `mode="base64"`, or a non-text type in Atom 1.0) decoded; plain text
    /// escaped, so that a literal `<` is never taken for a tag.
    private static func atomText(_ element: XMLElement) -> String {
        let type = (element.attribute("type") ?? "text").lowercased()
        let mode = element.attribute("mode")
        if mode == "base64" || (type.contains("/") && !type.hasPrefix("text/") && !type.hasSuffix("xml")) {
            let decoded = Data(base64Encoded: element.text, options: .ignoreUnknownCharacters)
                .map { String(decoding: $0, as: UTF8.self) }
            return decoded.map { type == "text/plain" ? HTMLText.escape($0) : $0 } ?? ""
        }
        if type == "html" || type == "text/html" || mode == "escaped" { return element.text }
        if type == "xhtml" || type.hasSuffix("xml") {
            // XHTML content sits in one <div> (RFC 4287 §4.1.3); other XML types as they come.
            let children = Array(element.children)
            if type == "xhtml", children.count == 1, children[0].localName == "div" { return children[0].innerXML }
            return element.innerXML
        }
        return HTMLText.escape(element.text)
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace (a byte scan: Foundation's
    /// `trimmingCharacters` bridges through NSString and costs more than the parse).
    var trimmed: String {
        let bytes = utf8
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        if first == bytes.startIndex, last == bytes.index(before: bytes.endIndex) { return self }
        return String(self[first...last])
    }
}
