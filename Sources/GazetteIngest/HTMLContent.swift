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

    /// What the walk does with an element, by its lower-case name: one lookup per element.
    private struct Element {
        var isDropped = false
        var isBlock = false
        var isAllowed = false
        var isVoid = false
    }

    private static let elements: [String: Element] = {
        var table: [String: Element] = [:]
        for name in dropped { table[name, default: Element()].isDropped = true }
        for name in blocks { table[name, default: Element()].isBlock = true }
        for name in HTMLSanitizer.allowedElements { table[name, default: Element()].isAllowed = true }
        for name in HTMLSanitizer.voidElements { table[name, default: Element()].isVoid = true }
        return table
    }()

    private enum Step {
        case open(xmlNodePtr)
        /// The end of an element: its closing tag when it wrote an opening one, a line break
        /// in the text when it is a block.
        case close(xmlNodePtr, writesTag: Bool, isBlock: Bool)
    }

    /// - Parameters:
    ///   - baseURL: what relative links resolve against; asked for only when there is one.
    ///   - sanitize: whether to build the HTML too (titles only need the text).
    static func extract(
        _ html: String,
        baseURL: @autoclosure () -> URL?,
        textLimit: Int,
        htmlLimit: Int,
        sanitize: Bool
    ) -> Result {
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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(html.utf8.count + 12)
        bytes += "<div>".utf8
        bytes += html.utf8
        bytes += "</div>".utf8
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

        var resolvedBase: URL?? = nil
        func base() -> URL? {
            if resolvedBase == nil { resolvedBase = baseURL() }
            return resolvedBase!
        }
        var text: [UInt8] = []
        var output: [UInt8] = []
        text.reserveCapacity(min(bytes.count, textLimit))
        if sanitize { output.reserveCapacity(min(bytes.count + bytes.count / 8, htmlLimit)) }
        var stack: [Step] = []
        var parent = UnsafeMutablePointer<xmlNode>(OpaquePointer(document))
        // The wrapper itself is not part of the content (the document may also hold a DTD node).
        if let wrapper = xmlDocGetRootElement(document), wrapper.pointee.next == nil,
            let name = wrapper.pointee.name, xmlStrEqual(name, "div") != 0
        {
            parent = wrapper
        }
        pushChildren(of: parent, onto: &stack)
        while let step = stack.popLast() {
            switch step {
            case .close(let node, let writesTag, let isBlock):
                if isBlock { text.append(0x0A) }
                if writesTag {
                    output += "</".utf8
                    output.append(contentsOf: ByteText.buffer(node.pointee.name))
                    output.append(UInt8(ascii: ">"))
                }
            case .open(let node):
                let htmlFull = !sanitize || output.count >= htmlLimit
                // Past both limits only the pending closing tags are written: the output stays
                // balanced and bounded however much markup follows.
                if htmlFull && text.count >= textLimit { continue }
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    guard let content = node.pointee.content else { continue }
                    let buffer = ByteText.buffer(content)
                    if text.count < textLimit { text.append(contentsOf: buffer) }
                    if !htmlFull { ByteText.appendEscaped(buffer, to: &output) }
                case XML_ELEMENT_NODE:
                    guard let rawName = node.pointee.name else { continue }
                    let element = elements[elementName(rawName)] ?? Element()
                    if element.isDropped { continue }
                    if element.isBlock { text.append(0x0A) }
                    var writesTag = false
                    // Unknown elements are unwrapped: no tag, but their children are kept.
                    if !htmlFull, element.isAllowed {
                        // false: an allowed element refused for what it carries (a tracking pixel).
                        guard HTMLSanitizer.appendOpenTag(node, baseURL: base, to: &output) else { continue }
                        if element.isVoid {
                            if element.isBlock { text.append(0x0A) }
                            continue
                        }
                        writesTag = true
                    }
                    stack.append(.close(node, writesTag: writesTag, isBlock: element.isBlock))
                    pushChildren(of: node, onto: &stack)
                default:
                    break
                }
            }
        }
        let plain = ByteText.collapseLines(text, limit: textLimit)
        return Result(text: plain, html: ByteText.trimmed(output))
    }

    /// Pushes in reverse, from the last child back, so that the children pop in document order.
    private static func pushChildren(of node: xmlNodePtr, onto stack: inout [Step]) {
        var child = node.pointee.last
        while let current = child {
            stack.append(.open(current))
            child = current.pointee.prev
        }
    }

    /// The lower-case name (libxml2's HTML parser lower-cases tag names already; the check is cheap).
    static func elementName(_ name: UnsafePointer<xmlChar>) -> String {
        let bytes = ByteText.buffer(name)
        if bytes.contains(where: { (0x41...0x5A).contains($0) }) {
            return String(decoding: bytes.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
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
        bytes.withUnsafeBufferPointer { bytes in
            var pendingSpace = false
            var lineHasText = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte > 0x20 && byte != 0xC2 {
                    // A run of word bytes goes in one copy.
                    var end = index + 1
                    while end < bytes.count, bytes[end] > 0x20, bytes[end] != 0xC2 { end += 1 }
                    if pendingSpace { output.append(0x20) }
                    pendingSpace = false
                    lineHasText = true
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                    continue
                }
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
        }
        if output.last == 0x0A { output.removeLast() }
        let text = String(decoding: output, as: UTF8.self)
        return text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    /// The bytes of a C string (libxml2's names and contents), without copying them.
    static func buffer(_ string: UnsafePointer<UInt8>?) -> UnsafeBufferPointer<UInt8> {
        guard let string else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(
            start: string,
            count: strlen(UnsafeRawPointer(string).assumingMemoryBound(to: CChar.self))
        )
    }

    /// Appends `bytes` with `&`, `<`, `>` and `"` escaped, copying the runs between them whole.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        for index in bytes.indices {
            let reference: StaticString
            switch bytes[index] {
            case UInt8(ascii: "&"): reference = "&amp;"
            case UInt8(ascii: "<"): reference = "&lt;"
            case UInt8(ascii: ">"): reference = "&gt;"
            case UInt8(ascii: "\""): reference = "&quot;"
            default: continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            output.append(
                contentsOf: UnsafeBufferPointer(start: reference.utf8Start, count: reference.utf8CodeUnitCount)
            )
            runStart = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }

    static func trimmed(_ bytes: [UInt8]) -> String {
        guard let first = bytes.firstIndex(where: { !isSpace($0) && $0 != 0x0A }),
            let last = bytes.lastIndex(where: { !isSpace($0) && $0 != 0x0A })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
