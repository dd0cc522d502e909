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

    private static let allowedAttributes: [String: Set<String>] = [
        "a": ["href", "title"], "img": ["src", "alt", "title", "width", "height"], "abbr": ["title"],
        "blockquote": ["cite"], "q": ["cite"], "del": ["cite"], "ins": ["cite"], "time": ["datetime"],
        "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan", "scope"],
    ]

    static let maxAttributeBytes = 2_000

    private static let urlAttributes: Set<String> = ["href", "src", "cite"]

    /// The sanitized HTML; empty when nothing safe remains.
    public static func sanitize(_ html: String, baseURL: URL? = nil, limit: Int = 200_000) -> String {
        guard !html.isEmpty else { return "" }
        return HTMLContent.extract(html, baseURL: baseURL, textLimit: 0, htmlLimit: limit, sanitize: true).html
    }

    /// Appends the opening tag with its safe attributes; false (and nothing appended) when the
    /// element must go: a tracking pixel, or an image without a safe source.
    /// - Parameter attributes: libxml2's name, value, name, value… list, ending in nil.
    static func appendOpenTag(
        _ name: String,
        attributes rawAttributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        baseURL: () -> URL?,
        to output: inout [UInt8]
    ) -> Bool {
        var attributes: [(String, String)] = []
        if var pair = rawAttributes, let allowed = allowedAttributes[name] {
            while let rawName = pair[0] {
                // A value-less attribute (`<a href>`) reads as empty, as in libxml2's tree.
                let rawValue = pair[1]
                pair += 2
                let attribute = HTMLContent.elementName(rawName)
                // libxml2 drops repeated attributes; the first one counts, as in its tree.
                guard allowed.contains(attribute), !attributes.contains(where: { $0.0 == attribute }) else { continue }
                let valueBytes = ByteText.buffer(rawValue)
                // No title, alt or link needs more; a longer one only inflates the output.
                guard valueBytes.count <= maxAttributeBytes else { continue }
                var value = String(decoding: valueBytes, as: UTF8.self)
                if urlAttributes.contains(attribute) {
                    guard let safe = safeURL(value, baseURL: baseURL()) else { continue }
                    value = safe
                }
                attributes.append((attribute, value))
            }
        }
        if name == "img" {
            guard attributes.contains(where: { $0.0 == "src" }) else { return false }
            // A tracking pixel: either side a pixel or none, read as browsers read `1px` or ` 1`.
            let sizes = ["width", "height"].compactMap { key in
                attributes.first { $0.0 == key }.flatMap { pixels($0.1) }
            }
            if sizes.contains(where: { $0 <= 1 }) { return false }
        }
        if name == "a", attributes.contains(where: { $0.0 == "href" }) {
            attributes.append(("rel", "noopener noreferrer nofollow"))
        }
        output.append(UInt8(ascii: "<"))
        output += name.utf8
        for (attribute, value) in attributes {
            output.append(UInt8(ascii: " "))
            output += attribute.utf8
            output += "=\"".utf8
            var value = value
            value.withUTF8 { ByteText.appendEscaped($0, to: &output) }
            output.append(UInt8(ascii: "\""))
        }
        output.append(UInt8(ascii: ">"))
        return true
    }

    /// A width or height in pixels as HTML's dimension rules read it: leading whitespace, then
    /// the digits, whatever follows (`1px`, `1.5`); nil for a percentage or no number at all.
    static func pixels(_ value: String) -> Int? {
        let bytes = value.utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0C || $0 == 0x0D }
        let digits = bytes.prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty, bytes.dropFirst(digits.count).first != UInt8(ascii: "%") else { return nil }
        // A number too long for an Int is no pixel.
        return Int(String(decoding: digits.prefix(9), as: UTF8.self))
    }

    /// http, https and mailto URLs, absolute; nil for anything else, however it is disguised.
    static func safeURL(_ raw: String, baseURL: URL?) -> String? {
        // Browsers ignore whitespace and control characters inside a scheme: so must the check.
        let compact = String(decoding: raw.utf8.filter { $0 > 0x20 && $0 != 0x7F }, as: UTF8.self)
        guard !compact.isEmpty else { return nil }
        // The common case, an absolute http(s) link that is its own absolute form, needs no parse.
        if WebLink.isPlainAbsolute(compact) { return compact }
        if let colon = compact.firstIndex(of: ":"),
            !compact[..<colon].contains(where: { $0 == "/" || $0 == "?" || $0 == "#" })
        {
            let scheme = compact[..<colon].lowercased()
            guard ["http", "https", "mailto"].contains(scheme), URL(string: compact) != nil else { return nil }
            return compact
        }
        guard let baseURL, let resolved = URL(string: compact, relativeTo: baseURL)?.absoluteURL,
            ["http", "https"].contains(resolved.scheme?.lowercased() ?? "")
        else { return nil }
        return resolved.absoluteString
    }
}
