import CLibXML2
import Foundation

/// One pass of libxml2's forgiving HTML parser over an untrusted HTML fragment that yields
/// both the plain text (for summaries and search) and the sanitized HTML (for display). The
/// parser reports elements and text as it reads them (SAX) and no tree is built: allocating,
/// walking and freeing one cost more than the parse. Works on UTF-8 bytes throughout:
/// `Character`-level whitespace checks cost more than the parse itself.
enum HTMLContent {
    struct Result {
        var text: String
        var html: String
    }

    /// Elements whose content goes too: never text a reader should see.
    static let dropped: Set<String> = [
        "script", "style", "iframe", "object", "embed", "applet", "noscript", "template", "head", "form", "input",
        "button", "select", "textarea", "svg", "math", "frame", "frameset", "link", "meta", "base", "title",
        // Raw-text elements of old: their content is markup meant to be shown as code, or nothing.
        "xmp", "noembed", "noframes", "plaintext",
    ]

    /// Elements that end a line of text.
    static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
        "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt",
    ]

    /// What the walk does with an element, by its lower-case name: one lookup per element.
    struct Element {
        var isDropped = false
        var isBlock = false
        var isAllowed = false
        /// Where the element's `</name>` is in `closingTags`; 0 (no tag) for elements that are
        /// not allowed and for void ones. An index: a string would make copying this struct,
        /// once a tag, count references.
        var closingTag: UInt8 = 0
        /// Where the attributes it may keep are in `HTMLSanitizer.attributeLists`; 0: none.
        var attributeList: UInt8 = 0
    }

    /// The allowed elements' closing tags, made once (three appends an element were 0.4% of
    /// `gazette parse`'s instructions), after an empty one.
    static let closingTags: [String] =
        [""] + HTMLSanitizer.allowedElements.subtracting(HTMLSanitizer.voidElements).sorted().map { "</\($0)>" }

    static let elements: [String: Element] = {
        var table: [String: Element] = [:]
        for name in dropped { table[name, default: Element()].isDropped = true }
        for name in blocks { table[name, default: Element()].isBlock = true }
        for name in HTMLSanitizer.allowedElements { table[name, default: Element()].isAllowed = true }
        for (index, tag) in closingTags.enumerated().dropFirst() {
            table[String(tag.dropFirst(2).dropLast())]!.closingTag = UInt8(index)
        }
        for (index, name) in HTMLSanitizer.allowedAttributes.keys.sorted().enumerated() {
            table[name]!.attributeList = UInt8(index + 1)
        }
        return table
    }()

    /// Each thread's reusable HTML parser context (see `gazette_html_sax_parse`), freed when
    /// the thread ends.
    private static let parserContexts: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { gazette_html_context_free($0) }
        precondition(status == 0, "pthread_key_create failed (\(status))")
        return key
    }()

    /// The bytes of names that this thread's reused parser context holds, for tests of its bound.
    static var parserContextNameBytes: Int { gazette_html_context_name_bytes(parserContexts) }

    /// - Parameters:
    ///   - baseURL: what relative links resolve against; asked for only when there is one.
    ///   - sanitize: whether to build the HTML too (titles only need the text).
    ///   - readsSimpleHTML: whether `SimpleHTMLReader` may read the fragment instead of libxml2
    ///     (tests compare the two).
    static func extract(
        _ html: String,
        baseURL: @escaping @autoclosure () -> URL?,
        textLimit: Int,
        htmlLimit: Int,
        sanitize: Bool,
        readsSimpleHTML: Bool = true
    ) -> Result {
        // Plain text with no markup, no references and no control characters (which the parser
        // drops) needs no parser: many descriptions are.
        if !needsParser(html) {
            // Most titles are one line of plain text already: both results are the string itself,
            // without a copy (the copies and checks below were 1% of `gazette parse`).
            let fits = html.utf8.count <= textLimit && (!sanitize || html.utf8.count <= htmlLimit)
            if fits, isOneCollapsedLine(html) {
                let escapes = sanitize && ByteText.containsQuoteOrGreaterThan(html)
                if !escapes { return Result(text: html, html: sanitize ? html : "") }
            }
            let bytes = Array(html.utf8)
            let text = ByteText.collapseLines(bytes, limit: textLimit)
            guard sanitize else { return Result(text: text, html: "") }
            // What the parser path writes for a lone text node: the text, escaped, within the limit.
            var output: [UInt8] = []
            bytes.withUnsafeBufferPointer { ByteText.appendEscaped($0, to: &output, limit: htmlLimit) }
            return Result(text: text, html: ByteText.trimmed(output))
        }
        LibXML2.initialize
        let htmlLimit = sanitize ? htmlLimit : 0
        func newWalk() -> HTMLWalk {
            let walk = HTMLWalk(textLimit: textLimit, htmlLimit: htmlLimit, baseURL: baseURL)
            walk.text.reserveCapacity(min(html.utf8.count, textLimit))
            if sanitize { walk.output.reserveCapacity(min(html.utf8.count + html.utf8.count / 8, htmlLimit)) }
            return walk
        }
        if readsSimpleHTML {
            let walk = newWalk()
            if SimpleHTMLReader.read(html, into: walk, htmlLimit: htmlLimit) { return result(of: walk) }
        }
        // libxml2 compares each attribute's name with every one before it in the tag: 50,000
        // attributes take it seconds, a 10 MB feed's worth hours. The fragment ends before such a tag.
        var fragment = html.utf8[...]
        if let crowded = CrowdedTags.startOfFirst(inHTML: html) { fragment = fragment.prefix(crowded) }
        // Inside a <div>, top-level text is not wrapped in the <p> libxml2 otherwise implies.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fragment.count + 12)
        bytes += "<div>".utf8
        bytes += fragment
        bytes += "</div>".utf8
        let walk = newWalk()
        var handler = htmlSAXHandler()
        handler.startElement = { context, name, attributes in
            guard let context, let name else { return }
            if !HTMLWalk.from(context).start(HTMLContent.elementName(name), attributes: attributes) {
                xmlStopParser(context.assumingMemoryBound(to: htmlParserCtxt.self))
            }
        }
        handler.endElement = { context, _ in
            guard let context else { return }
            HTMLWalk.from(context).end()
        }
        handler.characters = { context, characters, length in
            guard let context, let characters, length > 0 else { return }
            HTMLWalk.from(context).characters(UnsafeBufferPointer(start: characters, count: Int(length)))
        }
        // Raw text (inside script and style, which are dropped) arrives here: text all the same.
        handler.cdataBlock = handler.characters
        // A comment ends a run of text, as it ends a text node in libxml2's tree.
        handler.comment = { context, _ in
            guard let context else { return }
            HTMLWalk.from(context).endTextRun()
        }
        let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
                | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NOIMPLIED.rawValue
        )
        withExtendedLifetime(walk) {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    gazette_html_sax_parse(
                        parserContexts,
                        $0.baseAddress,
                        Int32(clamping: $0.count),
                        options,
                        &handler,
                        Unmanaged.passUnretained(walk).toOpaque()
                    )
                }
            }
        }
        return result(of: walk)
    }

    static func result(of walk: HTMLWalk) -> Result {
        // Whatever the parser reported, the output closes every tag it opened.
        walk.endAll()
        return Result(
            text: ByteText.collapseLines(walk.text, limit: walk.textLimit),
            html: ByteText.trimmed(walk.output)
        )
    }

    /// Whether the text holds a byte that only the parser path handles: markup, a reference, or
    /// a C0 control other than tab, line feed and carriage return (the parser turns NUL into a
    /// space and drops the rest; DEL is a character in XML, and stays on both paths).
    private static func needsParser(_ html: String) -> Bool {
        var html = html
        return html.withUTF8 { bytes in
            // Eight bytes at a time to the next markup or control byte, past tabs and line ends.
            var index = 0
            while true {
                let (lessThan, ampersand) = (UInt8(ascii: "<"), UInt8(ascii: "&"))
                index = ByteText.firstIndex(
                    in: bytes,
                    from: index,
                    below: 0x20,
                    orOneOf: (lessThan, ampersand, ampersand, ampersand)
                )
                guard index < bytes.count else { return false }
                let byte = bytes[index]
                if byte != 0x09 && byte != 0x0A && byte != 0x0D { return true }
                index += 1
            }
        }
    }

    /// Whether text without markup, references or controls but tab, line feed and carriage
    /// return is what `ByteText.collapseLines` makes of it: no tab, line feed, carriage return
    /// or no-break space, no space at either end, and no two spaces in a row.
    static func isOneCollapsedLine(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            guard first != 0x20, last != 0x20 else { return false }
            var index = 0
            while true {
                // To the next space, C2 or byte below 0x20, eight or sixteen bytes at a time.
                index = ByteText.firstIndex(in: bytes, from: index, below: 0x20, orOneOf: (0x20, 0xC2, 0xC2, 0xC2))
                guard index < bytes.count else { return true }
                switch bytes[index] {
                // The last byte is no space: one follows.
                case 0x20: if bytes[index + 1] == 0x20 { return false }
                case 0xC2: if index + 1 < bytes.count, bytes[index + 1] == 0xA0 { return false }
                default: return false
                }
                index += 1
            }
        }
    }

    /// The lower-case name (libxml2's HTML parser lower-cases tag names already; the check is cheap).
    static func elementName(_ name: UnsafePointer<xmlChar>) -> String { lowerCased(ByteText.buffer(name)) }

    /// An element or attribute name's bytes, ASCII letters lower-cased.
    static func lowerCased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.contains(where: { (0x41...0x5A).contains($0) }) {
            return UTF8Bytes.string(bytes.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 })
        }
        return UTF8Bytes.string(bytes)
    }
}

/// The state of one `extract`, fed by the parser's callbacks. The parser closes every element
/// it opens (implied end tags included), so each `end` matches the latest `start`.
final class HTMLWalk {
    /// What an open element owes at its end.
    struct Frame {
        /// The closing tag to write (`</p>`), when the element wrote an opening one.
        var closingTag: String?
        /// Whether the text gets a line break.
        var isBlock: Bool
    }

    /// The parse stops at an element nested deeper than libxml2's own tree builder allows (256
    /// open, besides the wrapper): the closing tags owed stay few, and libxml2's search of the
    /// open elements stays short.
    static let maxDepth = 257

    let textLimit: Int
    let htmlLimit: Int
    let baseURL: () -> URL?
    // The mutable state below is read and written on every element and every run of text, and
    // the runtime's exclusivity checks for a class's properties were 2–3% of `gazette parse`.
    // They are left out: a walk is fed by one parse on one thread, and no method touches a
    // property while another holds it `inout` (`output` is passed `inout` to the escaping and
    // the sanitizer, which reach no other part of the walk but `base()`).
    @exclusivity(unchecked) private var resolvedBase: URL?? = nil
    @exclusivity(unchecked) var text: [UInt8] = []
    @exclusivity(unchecked) var output: [UInt8] = []
    @exclusivity(unchecked) private var frames: [Frame] = []
    /// How deep inside an element whose content is dropped (0: not inside one).
    @exclusivity(unchecked) private var droppedDepth = 0
    /// The <div> that `extract` wraps the fragment in is not part of it.
    @exclusivity(unchecked) private var sawWrapper = false
    /// Whether the current run of text (libxml2 reports a text node in pieces: at every
    /// reference, every kilobyte) goes to the text and to the HTML: decided once per run, as
    /// the limits were once checked per text node. The HTML of a run kept stops at the limit
    /// all the same, between two characters: a hostile run of quotes would grow sixfold.
    @exclusivity(unchecked) private var textRun: (keepsText: Bool, keepsHTML: Bool)?

    init(textLimit: Int, htmlLimit: Int, baseURL: @escaping () -> URL?) {
        self.textLimit = textLimit
        self.htmlLimit = htmlLimit
        self.baseURL = baseURL
        // Room for most fragments' nesting: grown from nothing, it was reallocated two or three
        // times in every fragment.
        frames.reserveCapacity(16)
    }

    /// The walk of a parse, from the parser context the callbacks get.
    static func from(_ context: UnsafeMutableRawPointer) -> HTMLWalk {
        let parser = context.assumingMemoryBound(to: htmlParserCtxt.self)
        return Unmanaged<HTMLWalk>.fromOpaque(parser.pointee._private!).takeUnretainedValue()
    }

    private var htmlFull: Bool { output.count >= htmlLimit }

    /// False when the element is nested too deep and the parse must stop: libxml2 closes a
    /// mismatched end tag by searching all open elements, so deep hostile nesting would take
    /// quadratic time.
    func start(_ name: String, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) -> Bool {
        start(name, element: HTMLContent.elements[name] ?? HTMLContent.Element(), attributes: attributes)
    }

    /// `start` with the element's entry in `HTMLContent.elements` (or an empty one) looked up already.
    func start(
        _ name: String,
        element: HTMLContent.Element,
        attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) -> Bool {
        textRun = nil
        // Open elements, counting those inside dropped ones.
        guard frames.count + droppedDepth < Self.maxDepth else { return false }
        if droppedDepth > 0 {
            droppedDepth += 1
            return true
        }
        if !sawWrapper {
            sawWrapper = true
            if name == "div" {
                frames.append(Frame(closingTag: nil, isBlock: false))
                return true
            }
        }
        // Past both limits nothing more is read, but the pending closing tags are written: the
        // output stays balanced and bounded however much markup follows.
        if element.isDropped || (htmlFull && text.count >= textLimit) {
            droppedDepth = 1
            return true
        }
        if element.isBlock { text.append(0x0A) }
        var closingTag: String?
        // Unknown elements are unwrapped: no tag, but their content is kept.
        if !htmlFull, element.isAllowed {
            // false: an allowed element refused for what it carries (a tracking pixel).
            guard
                HTMLSanitizer.appendOpenTag(
                    name,
                    element: element,
                    attributes: attributes,
                    baseURL: base,
                    to: &output
                )
            else {
                droppedDepth = 1
                return true
            }
            if element.closingTag != 0 { closingTag = HTMLContent.closingTags[Int(element.closingTag)] }
        }
        frames.append(Frame(closingTag: closingTag, isBlock: element.isBlock))
        return true
    }

    func end() {
        textRun = nil
        if droppedDepth > 0 {
            droppedDepth -= 1
            return
        }
        guard let frame = frames.popLast() else { return }
        if frame.isBlock { text.append(0x0A) }
        if let closingTag = frame.closingTag { ByteText.append(closingTag, to: &output) }
    }

    func endAll() {
        droppedDepth = 0
        while !frames.isEmpty { end() }
    }

    func endTextRun() { textRun = nil }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Text outside every element (after a stray </div> closed the wrapper) had no place in
        // libxml2's tree either; text that is not whitespace gets an implied <p> first.
        guard droppedDepth == 0, !frames.isEmpty else { return }
        if textRun == nil { textRun = (text.count < textLimit, !htmlFull) }
        if textRun!.keepsText { text.append(contentsOf: bytes) }
        if textRun!.keepsHTML { ByteText.appendEscaped(bytes, to: &output, limit: htmlLimit) }
    }

    private func base() -> URL? {
        if resolvedBase == nil { resolvedBase = baseURL() }
        return resolvedBase!
    }
}
