import CLibXML2
import Foundation

/// The one place that touches libxml2's XML tree pointers. A parsed document owns its tree
/// and frees it in `deinit`; `XMLElement` values borrow from it and must not outlive it.
final class XMLDocument {
    private let document: xmlDocPtr
    /// Set when the document was not well-formed and libxml2's recovery mode read it.
    private(set) var recoveredError: FeedParseError?
    /// The CDATA sections taken out before the parse; the tree's `_private` points to them,
    /// for `XMLElement` to put them back.
    private let sections: CDATASections?

    /// Whether the tree is the one read with the sections taken out (tests ask).
    var readsSections: Bool { sections != nil }

    /// Parses with the safe options only: no network, no entity substitution, no DTD loading,
    /// no huge-document mode. Documents that declare entities are refused outright: feeds never
    /// need them, and libxml2 2.9 has no limit on the quadratic entity blowup.
    /// - Parameter takesOutCDATA: whether `CDATASections` may speed the parse up (tests compare).
    init(bytes: Data, takesOutCDATA: Bool = true) throws(FeedParseError) {
        LibXML2.initialize
        if XMLDocument.declaresEntities(bytes) {
            throw FeedParseError(line: nil, message: "the document declares entities, which feeds never need")
        }
        if let refusal = CrowdedTags.refusal(for: bytes) { throw refusal }
        // COMPACT keeps short text (the whitespace between elements, mostly) inside its node
        // instead of a separate allocation: the tree is only read (innerXML rewrites text nodes
        // through libxml2's own setter, which knows compact ones).
        let strict =
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue
        // First with the CDATA sections taken out; a document that is then not well-formed is
        // read again as it came, for libxml2's own error and recovery.
        // A document in a declared legacy encoding is read in UTF-8, for its sections to come out.
        if takesOutCDATA,
            let (withoutSections, sections) = CDATASections.extract(
                from: DeclaredEncoding.convertedToUTF8(bytes) ?? bytes
            )
        {
            let (parsed, refusal) = XMLDocument.read(withoutSections, options: Int32(strict))
            if let refusal { throw refusal }
            // The byte scan reads the encoding declaration simply: libxml2 must have read UTF-8 too.
            if let parsed, parsed.pointee.intSubset == nil, XMLDocument.isUTF8(parsed.pointee.encoding) {
                parsed.pointee._private = Unmanaged.passUnretained(sections).toOpaque()
                document = parsed
                self.sections = sections
                return
            }
            parsed.map { xmlFreeDoc($0) }
        }
        sections = nil
        var (parsed, refusal) = XMLDocument.read(bytes, options: Int32(strict))
        if let refusal { throw refusal }
        if parsed == nil {
            // Like feedparser's loose parser: a feed with a missing end tag or a stray "<" still
            // yields what libxml2 can recover, with the same safe options, and a warning.
            let error = XMLDocument.lastError(fallback: bytes.isEmpty ? "the document is empty" : "not well-formed XML")
            (parsed, refusal) = XMLDocument.read(bytes, options: Int32(strict | XML_PARSE_RECOVER.rawValue))
            if let refusal { throw refusal }
            guard let recovered = parsed, xmlDocGetRootElement(recovered) != nil else {
                parsed.map { xmlFreeDoc($0) }
                throw error
            }
            recoveredError = error
        }
        guard let parsed else { throw FeedParseError(line: nil, message: "not well-formed XML") }
        if let subset = parsed.pointee.intSubset, subset.pointee.entities != nil || subset.pointee.pentities != nil {
            xmlFreeDoc(parsed)
            throw Refusal.entityDeclaration.error
        }
        document = parsed
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// Past this many elements a document is refused: libxml2's tree takes about 120 bytes an
    /// element, and a 10 MB body of `<a/>` took 375 MB. Real feeds have a few thousand (2,000
    /// items of inline XHTML, a few hundred thousand).
    static let maxElements = 500_000

    /// Why a read stopped before the end of the document.
    private enum Refusal {
        case entityDeclaration
        case tooManyElements

        var error: FeedParseError {
            switch self {
            case .entityDeclaration:
                FeedParseError(line: nil, message: "the document declares entities, which feeds never need")
            case .tooManyElements:
                FeedParseError(
                    line: nil,
                    message: "more than \(XMLDocument.maxElements) elements, more than any feed has"
                )
            }
        }
    }

    /// What the SAX handlers of one read note down; the parser context's `_private` points to it.
    private struct ReadState {
        var refusal: Refusal?
        var elements = 0
        /// The element whitespace was last found in, and whether it `holdsOnlyElements`: the
        /// runs between an item's children come one after another. (No node is freed while
        /// the parse goes on, so no other can take its address.)
        var lastParent: (node: xmlNodePtr, holdsOnlyElements: Bool)?
    }

    /// What `xmlReadMemory` does, step by step, with two changes: an entity declaration, or an
    /// element past `maxElements`, stops the parse where the parser reads it (`refusal`). The
    /// byte scan before the parse cannot see a declaration in UTF-16 or UTF-7, and parameter
    /// entities are expanded inside the DTD whatever the options say: a few megabytes of them
    /// cost minutes of CPU.
    private static func read(
        _ bytes: some ContiguousBytes,
        options: Int32
    ) -> (document: xmlDocPtr?, refusal: FeedParseError?) {
        xmlResetLastError()
        return bytes.withUnsafeBytes { raw -> (xmlDocPtr?, FeedParseError?) in
            guard let base = raw.baseAddress, raw.count <= Int(Int32.max),
                let context = xmlCreateMemoryParserCtxt(base.assumingMemoryBound(to: CChar.self), Int32(raw.count))
            else { return (nil, nil) }
            defer { xmlFreeParserCtxt(context) }
            xmlCtxtUseOptions(context, options)
            var state = ReadState()
            return withUnsafeMutablePointer(to: &state) { state in
                // The parser's own SAX handler (the tree builder), with its entity declarations
                // replaced by a stop and its element starts counted; `_private` (the caller's
                // pointer, unused by libxml2) leads the handlers to `state`.
                context.pointee._private = UnsafeMutableRawPointer(state)
                context.pointee.sax.pointee.entityDecl = { parser, _, _, _, _, _ in
                    guard let parser else { return }
                    XMLDocument.stop(parser, .entityDeclaration)
                }
                // A handler of its own for whitespace: with one that is not `characters`,
                // libxml2 tests each run of whitespace before a tag and hands the runs it deems
                // ignorable here (none would come, were this `characters` as libxml2's is).
                context.pointee.sax.pointee.ignorableWhitespace = { parser, characters, length in
                    guard let parser else { return }
                    let node = parser.assumingMemoryBound(to: xmlParserCtxt.self).pointee.node
                    if let node {
                        let state = XMLDocument.state(of: parser)
                        if state.pointee.lastParent?.node != node {
                            state.pointee.lastParent = (node, XMLDocument.holdsOnlyElements(node))
                        }
                        if state.pointee.lastParent!.holdsOnlyElements { return }
                    }
                    xmlSAX2Characters(parser, characters, length)
                }
                // $1… are the element's name, prefix, namespace and attributes, passed on as they come.
                context.pointee.sax.pointee.startElementNs = {
                    guard let parser = $0 else { return }
                    let state = XMLDocument.state(of: parser)
                    state.pointee.elements += 1
                    guard state.pointee.elements <= XMLDocument.maxElements else {
                        return XMLDocument.stop(parser, .tooManyElements)
                    }
                    xmlSAX2StartElementNs(parser, $1, $2, $3, $4, $5, $6, $7, $8)
                }
                LibXML2.silently { _ = xmlParseDocument(context) }
                let refusal = state.pointee.refusal
                var document = context.pointee.myDoc
                context.pointee.myDoc = nil
                if refusal != nil || (context.pointee.wellFormed == 0 && context.pointee.recovery == 0) {
                    document.map { xmlFreeDoc($0) }
                    document = nil
                }
                // As xmlReadMemory does: the document keeps the names' dictionary it shares.
                if context.pointee.dictNames != 0, let document, document.pointee.dict == context.pointee.dict {
                    context.pointee.dict = nil
                }
                return (document, refusal?.error)
            }
        }
    }

    /// Whether an element is part of a feed's skeleton, which every feed format fills with
    /// elements only: the root, a channel, an item or an entry, each inside another of them
    /// up to the document (an `entry` inside an Atom `content` is not). The whitespace between
    /// their children (indentation, mostly) made a text node each, a third of a feed's text
    /// nodes, for no reader to look at. Whitespace elsewhere stays: between inline XHTML
    /// elements it is a space in the text.
    private static func holdsOnlyElements(_ node: xmlNodePtr) -> Bool {
        var element: xmlNodePtr? = node
        while let current = element, current.pointee.type != XML_DOCUMENT_NODE {
            guard isContainer(current) else { return false }
            element = current.pointee.parent
        }
        return true
    }

    /// Whether an element has a skeleton's name, in no namespace or a feed format's.
    private static func isContainer(_ node: xmlNodePtr) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, let name = node.pointee.name else { return false }
        // The name's bytes in one integer, as the names below are: no string, no comparison.
        var packed: UInt64 = 0
        for offset in 0..<8 {
            guard name[offset] != 0 else { break }
            guard offset < 7 else { return false }
            packed |= UInt64(name[offset]) << (8 * UInt64(offset))
        }
        guard containerNames.contains(packed) else { return false }
        guard let href = node.pointee.ns?.pointee.href else { return true }
        let namespace = ByteText.buffer(href)
        return containerNamespaces.contains { ByteText.equals($0, namespace) }
    }

    /// item, entry, channel, feed, rss and RDF, each packed as `isContainer` packs a name.
    private static let containerNames: [UInt64] = ["item", "entry", "channel", "feed", "rss", "RDF"].map { name in
        name.utf8.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
    private static let containerNamespaces = [
        FeedParser.atomNS, FeedParser.atom03NS, FeedParser.rss1NS, FeedParser.rss09NS, FeedParser.rdfNS,
    ]

    private static func state(of parser: UnsafeMutableRawPointer) -> UnsafeMutablePointer<ReadState> {
        parser.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private.assumingMemoryBound(to: ReadState.self)
    }

    private static func stop(_ parser: UnsafeMutableRawPointer, _ refusal: Refusal) {
        state(of: parser).pointee.refusal = refusal
        xmlStopParser(parser.assumingMemoryBound(to: xmlParserCtxt.self))
    }

    /// Whether libxml2 recorded UTF-8 (or no declared encoding, which is UTF-8 here) for a document.
    private static func isUTF8(_ encoding: UnsafePointer<xmlChar>?) -> Bool {
        guard let encoding else { return true }
        let name = String(decoding: ByteText.buffer(encoding), as: UTF8.self).lowercased()
        return name == "utf-8" || name == "utf8"
    }

    /// Whether the prolog (everything before the root element, where a DOCTYPE's internal
    /// subset lives) contains `<!ENTITY`. Only the prolog is scanned: an article that quotes
    /// an XXE example inside CDATA is not a declaration. A plain byte scan: Data.range(of:) is
    /// ten times slower.
    static func declaresEntities(_ bytes: Data) -> Bool {
        let needle = Array("<!ENTITY".utf8)
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            var index = 0
            while index + 1 < raw.count {
                if raw[index] == 0x3C {
                    let next = raw[index + 1]
                    // "<" and a name character: the root element's start tag, the prolog is over.
                    if (0x41...0x5A).contains(next) || (0x61...0x7A).contains(next) || next == 0x5F || next >= 0x80 {
                        return false
                    }
                    if index + needle.count <= raw.count,
                        (0..<needle.count).allSatisfy({ raw[index + $0] == needle[$0] })
                    {
                        return true
                    }
                }
                index += 1
            }
            return false
        }
    }

    var root: XMLElement? {
        xmlDocGetRootElement(document).map(XMLElement.init)
    }

    private static func lastError(fallback: String) -> FeedParseError {
        guard let error = xmlGetLastError(), let message = error.pointee.message else {
            return FeedParseError(line: nil, message: fallback)
        }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        let line = Int(error.pointee.line)
        return FeedParseError(line: line > 0 ? line : nil, message: text.isEmpty ? fallback : text)
    }
}

enum LibXML2 {
    /// Once per process, before any parse: initialise the parser for use from many threads, and
    /// replace the external-entity loader with one that loads nothing (NONET does not cover file://).
    static let initialize: Void = {
        xmlInitParser()
        gazette_xml_install_refusing_loader()
    }()

    /// Runs `body` with this thread's libxml2 errors going nowhere but `xmlGetLastError`: the
    /// NOERROR option silences a parser's own, not those of the encoding converters, which
    /// printed "encoding error : input conversion failed…" for a UTF-32 feed. The handler and
    /// its context before are put back after.
    static func silently<Result>(_ body: () -> Result) -> Result {
        let (previous, previousContext) = (__xmlStructuredError()?.pointee, __xmlStructuredErrorContext()?.pointee)
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        defer { xmlSetStructuredErrorFunc(previousContext, previous) }
        return body()
    }
}

/// An element of a live `XMLDocument`.
struct XMLElement {
    fileprivate let node: xmlNodePtr

    fileprivate init(_ node: xmlNodePtr) { self.node = node }

    var localName: String { UTF8Bytes.string(ByteText.buffer(node.pointee.name)) }

    /// The namespace URI; the feed namespaces Gazette knows come back as their shared constants,
    /// without building a string for every element.
    var namespace: String? {
        guard let href = node.pointee.ns?.pointee.href else { return nil }
        let bytes = ByteText.buffer(href)
        for known in FeedParser.knownNamespaces where ByteText.equals(known, bytes) { return known }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether this is `name` in namespace `namespace` (nil: no namespace).
    func `is`(_ name: String, in namespace: String?) -> Bool {
        guard ByteText.equals(name, ByteText.buffer(node.pointee.name)) else { return false }
        let href = node.pointee.ns?.pointee.href
        guard let namespace, let href else { return namespace == nil && href == nil }
        return ByteText.equals(namespace, ByteText.buffer(href))
    }

    /// The child elements, in document order.
    var children: Children { Children(first: node.pointee.children) }

    struct Children: Sequence, IteratorProtocol {
        fileprivate var upcoming: xmlNodePtr?

        fileprivate init(first: xmlNodePtr?) { upcoming = first }

        mutating func next() -> XMLElement? {
            while let current = upcoming {
                upcoming = current.pointee.next
                if current.pointee.type == XML_ELEMENT_NODE { return XMLElement(current) }
            }
            return nil
        }
    }

    func firstChild(_ name: String, in namespace: String?) -> XMLElement? {
        children.first { $0.is(name, in: namespace) }
    }

    /// The CDATA sections taken out of the document, if any were.
    private var sections: CDATASections? {
        node.pointee.doc?.pointee._private.map { Unmanaged<CDATASections>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The concatenated text of this element and its descendants.
    var text: String {
        // The common case, one text node, is read in place instead of through a copy.
        if let only = node.pointee.children, only.pointee.next == nil,
            only.pointee.type == XML_TEXT_NODE || only.pointee.type == XML_CDATA_SECTION_NODE
        {
            let bytes = ByteText.buffer(only.pointee.content)
            return sections?.expand(bytes) ?? UTF8Bytes.string(bytes)
        }
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { gazette_xml_free(content) }
        return sections?.expand(ByteText.buffer(content)) ?? UTF8Bytes.string(ByteText.buffer(content))
    }

    /// The markup inside this element, serialized (for XHTML content).
    var innerXML: String {
        // The sections go back into the tree first, for libxml2 to escape as it escapes text.
        if let sections { restoreSections(sections) }
        guard let buffer = xmlBufferCreate() else { return text }
        defer { xmlBufferFree(buffer) }
        var child = node.pointee.children
        while let current = child {
            xmlNodeDump(buffer, node.pointee.doc, current, 0, 0)
            child = current.pointee.next
        }
        return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
    }

    /// Puts the CDATA sections back into the text nodes below this element.
    private func restoreSections(_ sections: CDATASections) {
        var pending: [xmlNodePtr] = node.pointee.children.map { [$0] } ?? []
        while let current = pending.popLast() {
            if let next = current.pointee.next { pending.append(next) }
            if current.pointee.type == XML_ELEMENT_NODE {
                if let child = current.pointee.children { pending.append(child) }
                restoreAttributes(of: current, sections)
            }
            guard current.pointee.type == XML_TEXT_NODE, let content = current.pointee.content else { continue }
            let bytes = ByteText.buffer(content)
            guard CDATASections.containsMarker(bytes) else { continue }
            var expanded = sections.expand(bytes)
            expanded.withUTF8 { xmlNodeSetContentLen(current, $0.baseAddress, Int32($0.count)) }
        }
    }

    /// Puts the sections back into an element's attribute values (`url` values, taken out).
    private func restoreAttributes(of element: xmlNodePtr, _ sections: CDATASections) {
        var attribute = element.pointee.properties
        while let current = attribute {
            attribute = current.pointee.next
            guard let value = xmlNodeGetContent(UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self))
            else { continue }
            defer { gazette_xml_free(value) }
            let bytes = ByteText.buffer(value)
            guard CDATASections.containsMarker(bytes) else { continue }
            var expanded = sections.expand(bytes)
            expanded.withCString { xmlSetNsProp(element, current.pointee.ns, current.pointee.name, $0) }
        }
    }

    func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { gazette_xml_free(value) }
        // A `url` value may have been taken out as a section.
        return sections?.expand(ByteText.buffer(value)) ?? UTF8Bytes.string(ByteText.buffer(value))
    }

    /// `link` resolved against the `xml:base` in effect here; unchanged when there is none.
    func resolved(_ link: String) -> String {
        guard let base = xmlNodeGetBase(node.pointee.doc, node) else { return link }
        defer { gazette_xml_free(base) }
        let baseText = String(cString: base)
        return URL(string: link, relativeTo: URL(string: baseText))?.absoluteString ?? link
    }

    /// The document's line for error messages.
    var line: Int { Int(xmlGetLineNo(node)) }
}

/// Why a feed could not be read, with the line where libxml2 found the problem.
public struct FeedParseError: Error, Hashable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}
