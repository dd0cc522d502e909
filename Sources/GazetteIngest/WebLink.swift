/// Recognises the common case of a link that needs no URL parsing.
enum WebLink {
    /// Whether `link` is an absolute http(s) URL with a plain host (letters, digits, dots and
    /// hyphens, an optional numeric port) and only characters RFC 3986 allows unescaped after it,
    /// with well-formed percent escapes and at most one `#`: such a link is its own absolute form.
    static func isPlainAbsolute(_ link: String) -> Bool {
        var link = link
        return link.withUTF8 { bytes -> Bool in
            var index: Int
            if startsWithIgnoringCase(bytes, "https://") {
                index = 8
            } else if startsWithIgnoringCase(bytes, "http://") {
                index = 7
            } else {
                return false
            }
            let hostStart = index
            while index < bytes.count, isHostByte(bytes[index]) { index += 1 }
            guard index > hostStart, isAlphanumeric(bytes[hostStart]) else { return false }
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                index += 1
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            }
            guard
                index == bytes.count || bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "?")
                    || bytes[index] == UInt8(ascii: "#")
            else { return false }
            return isPlainRest(bytes, from: index)
        }
    }

    /// Whether the bytes from `start` on are what `isPlainAbsolute` allows after the host.
    private static func isPlainRest(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var index = start
        var fragments = 0
        // One table lookup a byte: this is asked of every link and every `src` and `href`.
        let kinds = pathByteKinds
        while index < bytes.count {
            // Eight plain bytes at a time where there are eight: most of a path is letters,
            // digits and `/`, and eight lookups and one test cost half of eight switches.
            if index + 8 <= bytes.count, Self.allPlain(bytes.baseAddress! + index, kinds) {
                index &+= 8
                continue
            }
            switch kinds[Int(bytes[index])] {
            case .plain:
                index &+= 1
            case .percent:
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else {
                    return false
                }
                index += 3
            case .hash:
                fragments += 1
                guard fragments <= 1 else { return false }
                index += 1
            case .refused:
                return false
            }
        }
        return true
    }

    /// A relative link resolved against `base` as RFC 3986 (and Foundation's URL) resolves it,
    /// where that is a matter of joining strings: `base` plain absolute (`isPlainAbsolute`),
    /// with a lower-case scheme, and `reference` a fragment, a query, an absolute path or a
    /// relative one, of the bytes `isPlainAbsolute` allows after a host, without a `.` or `..`
    /// segment in either. nil otherwise, for URL to resolve: its parse and resolution cost
    /// about 20 µs a link (`WebLinkTests` holds the two to the same answers).
    static func resolved(_ reference: String, against base: String) -> String? {
        guard base.hasPrefix("https://") || base.hasPrefix("http://"), isPlainAbsolute(base) else { return nil }
        var reference = reference
        let isPlain = reference.withUTF8 { bytes in
            guard let first = bytes.first else { return false }
            // `//host/path` names a host; `a:b` (a colon before any `/`) would read as a scheme.
            if first == UInt8(ascii: "/"), bytes.count > 1, bytes[1] == UInt8(ascii: "/") { return false }
            for byte in bytes {
                if byte == UInt8(ascii: "/") { break }
                if byte == UInt8(ascii: ":") { return false }
            }
            return isPlainRest(bytes, from: 0) && !hasDotSegment(bytes, from: 0)
        }
        guard isPlain else { return nil }
        var base = base
        let kept = base.withUTF8 { bytes -> Int? in
            // Where the host ends, the path ends, and the fragment starts.
            var index = bytes[4] == UInt8(ascii: "s") ? 8 : 7
            while index < bytes.count, !isPathStart(bytes[index]) { index += 1 }
            let authorityEnd = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "?"), bytes[index] != UInt8(ascii: "#") {
                index += 1
            }
            let pathEnd = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "#") { index += 1 }
            let fragmentStart = index
            guard !hasDotSegment(UnsafeBufferPointer(rebasing: bytes[..<pathEnd]), from: authorityEnd) else {
                return nil
            }
            switch reference.utf8.first {
            case UInt8(ascii: "#"): return fragmentStart
            case UInt8(ascii: "?"): return pathEnd
            case UInt8(ascii: "/"): return authorityEnd
            default:
                // The base's path up to its last `/`; none for a base with no path (`/` is added).
                var lastSlash = pathEnd - 1
                while lastSlash >= authorityEnd, bytes[lastSlash] != UInt8(ascii: "/") { lastSlash -= 1 }
                return lastSlash >= authorityEnd ? lastSlash + 1 : authorityEnd
            }
        }
        guard let kept else { return nil }
        let keptBase = String(base.utf8.prefix(kept))!
        let needsSlash =
            !reference.hasPrefix("#") && !reference.hasPrefix("?") && !reference.hasPrefix("/")
            && !keptBase.hasSuffix("/")
        return keptBase + (needsSlash ? "/" : "") + reference
    }

    private static func isPathStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    /// Whether the path from `start` (up to its `?` or `#`) has a `.` or `..` segment, which
    /// resolution would remove.
    private static func hasDotSegment(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var segmentStart = start
        var index = start
        while true {
            let atEnd = index == bytes.count || bytes[index] == UInt8(ascii: "?") || bytes[index] == UInt8(ascii: "#")
            if atEnd || bytes[index] == UInt8(ascii: "/") {
                let length = index - segmentStart
                if length == 1 || length == 2,
                    bytes[segmentStart] == UInt8(ascii: "."),
                    length == 1 || bytes[segmentStart + 1] == UInt8(ascii: ".")
                {
                    return true
                }
                if atEnd { return false }
                segmentStart = index + 1
            }
            index += 1
        }
    }

    /// Whether `bytes` is longer than `prefix` (lower-case ASCII) and starts with it, in any case.
    private static func startsWithIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        guard bytes.count > prefix.utf8CodeUnitCount else { return false }
        for offset in 0..<prefix.utf8CodeUnitCount {
            let byte = bytes[offset]
            guard ((0x41...0x5A).contains(byte) ? byte + 32 : byte) == prefix.utf8Start[offset] else { return false }
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// 0 for plain, so that the kinds of several bytes can be or'ed together.
    private enum PathByteKind: UInt8 {
        case plain = 0, percent, hash, refused
    }

    /// Whether the eight bytes at `bytes` are all plain.
    @inline(__always) private static func allPlain(
        _ bytes: UnsafePointer<UInt8>,
        _ kinds: UnsafePointer<PathByteKind>
    ) -> Bool {
        var kindBits: UInt8 = 0
        for offset in 0..<8 { kindBits |= kinds[Int(bytes[offset])].rawValue }
        return kindBits == 0
    }

    /// What each byte is after the host: RFC 3986's unreserved and reserved characters, but the
    /// `[` `]` only a host may hold, are plain (letters, digits and `-._~:/?@!$&'()*+,;=`); `%`
    /// starts an escape and `#` a fragment; anything else is refused (`ArticleNormalizerTests`
    /// checks every byte against that list).
    /// A table that is never freed, read through a pointer: as an array, its bounds checks and
    /// reference count were an eighth of `isPlainAbsolute` (itself 1.5% of `gazette parse`).
    nonisolated(unsafe) private static let pathByteKinds: UnsafePointer<PathByteKind> = {
        let table = UnsafeMutablePointer<PathByteKind>.allocate(capacity: 256)
        for byte in 0...255 {
            table[byte] =
                switch UInt8(byte) {
                case UInt8(ascii: "%"): .percent
                case UInt8(ascii: "#"): .hash
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    .plain
                case _ where "-._~:/?@!$&'()*+,;=".utf8.contains(UInt8(byte)): .plain
                default: .refused
                }
        }
        return UnsafePointer(table)
    }()
}
