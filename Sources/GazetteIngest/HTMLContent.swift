import CLibXML2
import Foundation

/// One parse of an untrusted HTML fragment with libxml2's forgiving HTML parser, and one walk
/// over it that yields both the plain text (for summaries and search) and the sanitized HTML
/// (for display). Works on UTF-8 bytes throughout: `Character`-level whitespace checks cost
/// more than the parse itself.
enum HTMLContent {
    struct Result {
        var text: String
        var html: String
    }

    /// Elements whose content goes too: never text a reader should see.
    static let dropped: Set<String> = [
        "script", "style", "iframe", "object", "embed", "applet", "noscript", "template", "head", "form", "input",
        "button", "select", "textarea", "svg", "math", "frame", "frameset", "link", "meta", "base", "title",
    ]

    /// Elements that end a line of text.
    static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
        "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt",
    ]

    private enum Step {
        case open(xmlNodePtr)
        case close(String, isBlock: Bool)
    }

    /// - Parameters:
    ///   - sanitize: whether to build the HTML too (titles only need the text).
    static func extract(_ html: String, baseURL: URL?, textLimit: Int, htmlLimit: Int, sanitize: Bool) -> Result {
        // Plain text with no markup and no references needs no parser (many descriptions are).
        if !html.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) {
            let text = ByteText.collapseLines(Array(html.utf8), limit: textLimit)
            guard sanitize, !text.isEmpty else { return Result(text: text, html: "") }
            // What the parser path would write for a lone text node: the text, escaped.
            var output: [UInt8] = []
            var copy = html
            copy.withUTF8 { ByteText.appendEscaped($0, to: &output) }
            return Result(text: text, html: ByteText.trimmed(Array(output.prefix(htmlLimit))))
        }
        LibXML2.initialize
        // Inside a <div>, top-level text is not wrapped in the <p> libxml2 otherwise implies.
        var bytes = Array("<div>".utf8) + Array(html.utf8) + Array("</div>".utf8)
        bytes.append(0)
        let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
                | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NOIMPLIED.rawValue
        )
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count - 1), nil, "UTF-8", options)
            }
        }
        guard let document else { return Result(text: "", html: "") }
        defer { xmlFreeDoc(document) }

        var text: [UInt8] = []
        var output: [UInt8] = []
        var stack: [Step] = []
        var child = document.pointee.children
        // The wrapper itself is not part of the content (the document may also hold a DTD node).
        if let wrapper = xmlDocGetRootElement(document), wrapper.pointee.next == nil,
            wrapper.pointee.name.map({ String(cString: $0) }) == "div"
        {
            child = wrapper.pointee.children
        }
        var roots: [Step] = []
        while let node = child {
            roots.append(.open(node))
            child = node.pointee.next
        }
        stack.append(contentsOf: roots.reversed())
        while let step = stack.popLast() {
            switch step {
            case .close(let name, let isBlock):
                if isBlock { text.append(0x0A) }
                if !name.isEmpty { output += Array("</\(name)>".utf8) }
            case .open(let node):
                let htmlFull = !sanitize || output.count >= htmlLimit
                // Past both limits only the pending closing tags are written: the output stays
                // balanced and bounded however much markup follows.
                if htmlFull && text.count >= textLimit { continue }
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    guard let content = node.pointee.content else { continue }
                    let length = strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))
                    let buffer = UnsafeBufferPointer(start: content, count: length)
                    if text.count < textLimit { text.append(contentsOf: buffer) }
                    if !htmlFull { ByteText.appendEscaped(buffer, to: &output) }
                case XML_ELEMENT_NODE:
                    let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
                    if dropped.contains(name) { continue }
                    let isBlock = blocks.contains(name)
                    if isBlock { text.append(0x0A) }
                    var closing = ""
                    // Unknown elements are unwrapped: no tag, but their children are kept.
                    if !htmlFull, HTMLSanitizer.allowedElements.contains(name) {
                        // nil: an allowed element refused for what it carries (a tracking pixel).
                        guard let tag = HTMLSanitizer.openTag(node, name: name, baseURL: baseURL) else { continue }
                        output += Array(tag.utf8)
                        if HTMLSanitizer.voidElements.contains(name) {
                            if isBlock { text.append(0x0A) }
                            continue
                        }
                        closing = name
                    }
                    stack.append(.close(closing, isBlock: isBlock))
                    // Push children in reverse so they pop in document order.
                    var children: [Step] = []
                    var current = node.pointee.children
                    while let next = current {
                        children.append(.open(next))
                        current = next.pointee.next
                    }
                    stack.append(contentsOf: children.reversed())
                default:
                    break
                }
            }
        }
        let plain = ByteText.collapseLines(text, limit: textLimit)
        return Result(text: plain, html: ByteText.trimmed(output))
    }
}

/// Text operations on UTF-8 bytes, for the hot paths of ingest.
enum ByteText {
    /// ASCII whitespace, and the first byte of U+00A0 NO-BREAK SPACE (C2 A0), which feeds use for spacing.
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// One line per input line, runs of spaces collapsed, empty lines dropped, at most `limit`
    /// characters (cut on a character boundary).
    static func collapseLines(_ bytes: [UInt8], limit: Int) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count, limit * 4))
        var pendingSpace = false
        var lineHasText = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                if lineHasText { output.append(0x0A) }
                lineHasText = false
                pendingSpace = false
            } else if isSpace(byte) || (byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0xA0) {
                if byte == 0xC2 { index += 1 }
                pendingSpace = lineHasText
            } else {
                if pendingSpace { output.append(0x20) }
                pendingSpace = false
                lineHasText = true
                output.append(byte)
            }
            index += 1
        }
        if output.last == 0x0A { output.removeLast() }
        let text = String(decoding: output, as: UTF8.self)
        return text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "&"): output += [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;
            case UInt8(ascii: "<"): output += [0x26, 0x6C, 0x74, 0x3B]  // &lt;
            case UInt8(ascii: ">"): output += [0x26, 0x67, 0x74, 0x3B]  // &gt;
            case UInt8(ascii: "\""): output += [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B]  // &quot;
            default: output.append(byte)
            }
        }
    }

    static func trimmed(_ bytes: [UInt8]) -> String {
        guard let first = bytes.firstIndex(where: { !isSpace($0) && $0 != 0x0A }),
            let last = bytes.lastIndex(where: { !isSpace($0) && $0 != 0x0A })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
