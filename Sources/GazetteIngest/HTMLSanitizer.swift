import CLibXML2
import Foundation

/// Rebuilds untrusted article HTML from an allowlist, on libxml2's forgiving HTML parser:
/// only known-safe elements and attributes survive, URLs only with http, https or mailto
/// (checked after entity decoding and with whitespace and control characters removed, so
/// `jav&#x09;ascript:` is caught too), relative URLs resolved against the article's link,
/// and 1×1 tracking images dropped.
public enum HTMLSanitizer {
    static let allowedElements: Set<String> = [
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
        "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "time", "tr", "u", "ul",
    ]

    static let voidElements: Set<String> = ["br", "hr", "img"]

    /// What an allowed attribute's value needs before it is written.
    enum AttributeKind {
        /// A link (`href`, `src`, `cite`): written only when `safeURL` keeps it.
        case href, src, cite
        /// `width` or `height`: a pixel or none of either marks a tracking image.
        case dimension
        case text
    }

    struct AllowedAttribute {
        var name: String
        var kind: AttributeKind

        init(_ name: String, _ kind: AttributeKind) {
            self.name = name
            self.kind = kind
        }
    }

    /// The attributes each element keeps, in the order they are checked; at most 32 an element
    /// (`appendOpenTag` keeps one bit each). Elements carry an index into `attributeLists`.
    static let allowedAttributes: [String: [AllowedAttribute]] = {
        let table: [String: [AllowedAttribute]] = [
            "a": [.init("href", .href), .init("title", .text)],
            "img": [
                .init("src", .src), .init("alt", .text), .init("title", .text), .init("width", .dimension),
                .init("height", .dimension),
            ],
            "abbr": [.init("title", .text)], "blockquote": [.init("cite", .cite)], "q": [.init("cite", .cite)],
            "del": [.init("cite", .cite)], "ins": [.init("cite", .cite)], "time": [.init("datetime", .text)],
            "td": [.init("colspan", .text), .init("rowspan", .text)],
            "th": [.init("colspan", .text), .init("rowspan", .text), .init("scope", .text)],
        ]
        precondition(table.values.allSatisfy { $0.count <= 32 }, "appendOpenTag's mask holds 32 attributes")
        return table
    }()

    /// `allowedAttributes`' lists in name order, after an empty one: what `HTMLContent.Element`'s
    /// `attributeList` counts.
    static let attributeLists: [[AllowedAttribute]] =
        [[]] + allowedAttributes.keys.sorted().map { allowedAttributes[$0]! }

    static let maxAttributeBytes = 2_000

    /// The sanitized HTML; empty when nothing safe remains.
    public static func sanitize(_ html: String, baseURL: URL? = nil, limit: Int = 200_000) -> String {
        guard !html.isEmpty else { return "" }
        return HTMLContent.extract(html, baseURL: baseURL, textLimit: 0, htmlLimit: limit, sanitize: true).html
    }

    /// Appends the opening tag with its safe attributes; false (and nothing appended) when the
    /// element must go: a tracking pixel, or an image without a safe source. The attributes are
    /// copied from libxml2's bytes straight into `output`: no string per name or value, except
    /// for the URLs that need checking.
    /// - Parameter attributes: libxml2's name, value, name, value… list, ending in nil.
    /// - Parameter element: the element's entry, whose `attributeList` says what it may keep.
    static func appendOpenTag(
        _ name: String,
        element: HTMLContent.Element,
        attributes rawAttributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        baseURL: () -> URL?,
        to output: inout [UInt8]
    ) -> Bool {
        let start = output.count
        output.append(UInt8(ascii: "<"))
        ByteText.append(name, to: &output)
        var hasSource = false
        var hasHref = false
        var isPixel = false
        if var pair = rawAttributes, element.attributeList != 0 {
            let allowed = attributeLists[Int(element.attributeList)]
            /// The allowed attributes written so far, by their index in `allowed`.
            var written: UInt32 = 0
            while let rawName = pair[0] {
                // A value-less attribute (`<a href>`) reads as empty, as in libxml2's tree.
                let rawValue = pair[1]
                pair += 2
                // libxml2 drops repeated attributes; the first one written counts, as in its tree.
                guard
                    let index = allowed.firstIndex(where: {
                        Self.equalsIgnoringASCIICase($0.name, ByteText.buffer(rawName))
                    }),
                    written & (1 << index) == 0
                else { continue }
                let attribute = allowed[index]
                let valueBytes = ByteText.buffer(rawValue)
                // No title, alt or link needs more; a longer one only inflates the output.
                guard valueBytes.count <= maxAttributeBytes else { continue }
                var safe: String?
                switch attribute.kind {
                case .href, .src, .cite:
                    safe = safeURL(UTF8Bytes.string(valueBytes), baseURL: baseURL())
                    guard safe != nil else { continue }
                    hasSource = hasSource || attribute.kind == .src
                    hasHref = hasHref || attribute.kind == .href
                case .dimension:
                    // A tracking pixel: either side a pixel or none, read as browsers read `1px` or ` 1`.
                    if let pixels = pixels(valueBytes), pixels <= 1 { isPixel = true }
                case .text: break
                }
                written |= 1 << index
                output.append(UInt8(ascii: " "))
                ByteText.append(attribute.name, to: &output)
                ByteText.append(literal: "=\"", to: &output)
                if var safe {
                    safe.withUTF8 { ByteText.appendEscaped($0, to: &output) }
                } else {
                    ByteText.appendEscaped(valueBytes, to: &output)
                }
                output.append(UInt8(ascii: "\""))
            }
        }
        if name == "img", !hasSource || isPixel {
            output.removeSubrange(start...)
            return false
        }
        if name == "a", hasHref { ByteText.append(literal: " rel=\"noopener noreferrer nofollow\"", to: &output) }
        output.append(UInt8(ascii: ">"))
        return true
    }

    /// Whether libxml2's attribute name is `name` (lower-case ASCII), whatever its case.
    private static func equalsIgnoringASCIICase(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        name.utf8.count == bytes.count
            && zip(name.utf8, bytes).allSatisfy { $0 == ((0x41...0x5A).contains($1) ? $1 + 32 : $1) }
    }

    /// A width or height in pixels as HTML's dimension rules read it: leading whitespace, then
    /// the digits, whatever follows (`1px`, `1.5`); nil for a percentage or no number at all.
    static func pixels(_ value: String) -> Int? { pixels(value.utf8) }

    static func pixels<Bytes: Collection<UInt8>>(_ value: Bytes) -> Int? {
        let bytes = value.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0C || $0 == 0x0D }
        let digits = bytes.prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty, bytes.dropFirst(digits.count).first != UInt8(ascii: "%") else { return nil }
        // A number too long for an Int is no pixel.
        return digits.prefix(9).reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// http, https and mailto URLs, absolute; nil for anything else, however it is disguised.
    /// - Parameter baseURL: asked for only when the URL is relative (parsing one costs microseconds).
    static func safeURL(_ raw: String, baseURL: @autoclosure () -> URL?) -> String? {
        // The common case, an absolute http(s) link that is its own absolute form (and so holds
        // no blank or control character), needs no parse.
        if WebLink.isPlainAbsolute(raw) { return raw }
        // Browsers ignore whitespace and control characters inside a scheme: so must the check.
        let compact = String(decoding: raw.utf8.filter { $0 > 0x20 && $0 != 0x7F }, as: UTF8.self)
        guard !compact.isEmpty else { return nil }
        if WebLink.isPlainAbsolute(compact) { return compact }
        // By bytes: a search by characters broke graphemes all the way through a relative link.
        if let colon = compact.utf8.firstIndex(of: UInt8(ascii: ":")),
            !compact.utf8[..<colon].contains(where: {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            })
        {
            let scheme = compact[..<colon].lowercased()
            guard ["http", "https", "mailto"].contains(scheme), URL(string: compact) != nil else { return nil }
            return compact
        }
        guard let baseURL = baseURL() else { return nil }
        if let resolved = WebLink.resolved(compact, against: baseURL.absoluteString) { return resolved }
        guard let resolved = URL(string: compact, relativeTo: baseURL)?.absoluteURL,
            ["http", "https"].contains(resolved.scheme?.lowercased() ?? "")
        else { return nil }
        return resolved.absoluteString
    }
}
