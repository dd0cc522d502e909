/// If-None-Match against an entity tag (RFC 9110, 13.1.2): the header is `*` alone or a
/// comma-separated list of tags, compared weakly, so `W/"x"` matches `"x"`. Works on the UTF-8
/// bytes: a feed reader's poll is answered with this and little else.
enum EntityTag {
    static func list(_ header: String, matches etag: String) -> Bool {
        if trimmed(header.utf8[...]).elementsEqual("*".utf8) { return true }
        let target = opaque(etag.utf8[...])
        for candidate in header.utf8.split(separator: UInt8(ascii: ",")) {
            if opaque(trimmed(candidate)).elementsEqual(target) { return true }
        }
        return false
    }

    /// The tag without its weakness marker: `W/"x"` and `"x"` are the same tag to If-None-Match.
    private static func opaque(_ tag: Substring.UTF8View) -> Substring.UTF8View {
        tag.starts(with: "W/".utf8) ? tag.dropFirst(2) : tag
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes.removeFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        return bytes
    }
}
