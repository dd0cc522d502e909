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
