import Foundation

/// Text operations on UTF-8 bytes, for the hot paths of ingest.
enum ByteText {
    /// ASCII whitespace, and the first byte of U+00A0 NO-BREAK SPACE (C2 A0), which feeds use for spacing.
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// One line per input line, runs of spaces collapsed, empty lines dropped, at most `limit`
    /// characters (cut on a character boundary).
    static func collapseLines(_ bytes: [UInt8], limit: Int) -> String {
        // Collapsing only removes bytes (each space or line feed written stands for at least one
        // read, a no-break space's two bytes become one): the output fits in the input's length,
        // and is written in place, without an append's checks for every word.
        let output = [UInt8](unsafeUninitializedCapacity: bytes.count) { output, written in
            bytes.withUnsafeBufferPointer { bytes in
                var count = 0
                var pendingSpace = false
                var lineHasText = false
                var index = 0
                let raw = UnsafeRawPointer(bytes.baseAddress)
                while index < bytes.count {
                    // Prose mid-line, eight bytes at a time, copied as they are while nothing in
                    // them changes (see `isCopiedAsIs`).
                    if lineHasText, !pendingSpace, let raw {
                        // Sixteen at a time in vector registers while nothing but single spaces
                        // needs a look: every byte below 0x21 or C2 is a space, and none is
                        // followed by such a byte (the load one byte on shows what follows).
                        let (space, c2, below) = (
                            SIMD16<UInt8>(repeating: 0x20), SIMD16<UInt8>(repeating: 0xC2),
                            SIMD16<UInt8>(repeating: 0x21)
                        )
                        while index + 17 <= bytes.count {
                            let vector = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                            let next = raw.loadUnaligned(fromByteOffset: index + 1, as: SIMD16<UInt8>.self)
                            let spaces = vector .== space
                            let special = (vector .< below) .| (vector .== c2)
                            let nextSpecial = (next .< below) .| (next .== c2)
                            guard !any(special .& .!spaces), !any(spaces .& nextSpecial) else { break }
                            UnsafeMutableRawPointer(output.baseAddress!).storeBytes(
                                of: vector,
                                toByteOffset: count,
                                as: SIMD16<UInt8>.self
                            )
                            count += 16
                            index += 16
                        }
                        while index + 8 <= bytes.count {
                            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                            guard isCopiedAsIs(word) else { break }
                            UnsafeMutableRawPointer(output.baseAddress!).storeBytes(
                                of: word,
                                toByteOffset: count,
                                as: UInt64.self
                            )
                            count += 8
                            index += 8
                        }
                        guard index < bytes.count else { break }
                    }
                    let byte = bytes[index]
                    if byte == 0x0A {
                        if lineHasText {
                            output[count] = 0x0A
                            count += 1
                        }
                        lineHasText = false
                        pendingSpace = false
                    } else if isSpace(byte) || (byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0xA0) {
                        if byte == 0xC2 { index += 1 }
                        pendingSpace = lineHasText
                    } else {
                        if pendingSpace {
                            output[count] = 0x20
                            count += 1
                        }
                        pendingSpace = false
                        lineHasText = true
                        output[count] = byte
                        count += 1
                        // The rest of the word in a tight loop: one branch a byte, rarely mispredicted
                        // (words are short: a scan of eight bytes at a time and a copy cost more).
                        while index + 1 < bytes.count, bytes[index + 1] > 0x20, bytes[index + 1] != 0xC2 {
                            index += 1
                            output[count] = bytes[index]
                            count += 1
                        }
                    }
                    index += 1
                }
                if count > 0, output[count - 1] == 0x0A { count -= 1 }
                written = count
            }
        }
        return prefix(UTF8Bytes.string(output), limit)
    }

    /// Whether `collapseLines`, in a line's text with no space pending, copies these eight
    /// bytes unchanged: the only bytes among them that it treats specially are single spaces,
    /// each followed by a byte that it copies (so not the last of the eight). No line feed, no
    /// other whitespace, no C2 (which may start a no-break space). Exact per byte: the sums
    /// below never carry from one byte into the next.
    @inline(__always) static func isCopiedAsIs(_ word: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // High bit set in each byte that is zero.
        func zeros(_ value: UInt64) -> UInt64 { ~(((value & low) &+ low) | value) & high }
        // Below 0x21: high bit clear, and adding 0x5F to the low seven bits does not reach 0x80.
        let controlsOrSpaces = ~(((word & low) &+ 0x5F5F_5F5F_5F5F_5F5F) | word) & high
        let special = controlsOrSpaces | zeros(word ^ 0xC2C2_C2C2_C2C2_C2C2)
        let spaces = zeros(word ^ 0x2020_2020_2020_2020)
        // Little-endian: the byte after byte i is byte i + 1, eight bits up.
        return special == spaces && spaces & (spaces >> 8) == 0 && spaces >> 56 == 0
    }

    /// The text on one line, for fields that are not HTML (authors, categories): each run of
    /// whitespace (NUL, tab, line feed, CR included) becomes one space, none at either end, and
    /// the other C0 controls are dropped, as the HTML parser treats them in text. XML feeds
    /// indent such fields across lines; a JSON Feed can carry an escape sequence in any string.
    /// Text with no byte below U+0020 is returned as it is.
    static func singleLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            switch byte {
            case 0x00, 0x09...0x0D, 0x20: pendingSpace = !bytes.isEmpty
            case ..<0x20: continue
            default:
                if pendingSpace { bytes.append(0x20) }
                pendingSpace = false
                bytes.append(byte)
            }
        }
        return UTF8Bytes.string(bytes)
    }

    /// At most `limit` characters of `text`. A text of no more bytes than that is returned as
    /// it is, without walking its characters (grapheme breaking): nearly every guid, author and
    /// category is, and the walk was 1–2% of `gazette parse`.
    static func prefix(_ text: String, _ limit: Int) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    /// Appends a string's bytes in one copy: `+= string.utf8` goes through the generic sequence
    /// path, about 170 instructions for a tag name, and HTML output appends one or two a tag.
    @inline(__always) static func append(_ string: String, to output: inout [UInt8]) {
        var string = string
        string.withUTF8 { output.append(contentsOf: $0) }
    }

    /// Appends a string literal's bytes in one copy.
    @inline(__always) static func append(literal: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: bytes(of: literal))
    }

    /// The bytes of a string literal, without copying them. (Not an overload of `buffer`: a
    /// literal passed there would become a temporary C string, gone when the call returns.)
    static func bytes(of literal: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// The bytes of a C string (libxml2's names and contents), without copying them.
    static func buffer(_ string: UnsafePointer<UInt8>?) -> UnsafeBufferPointer<UInt8> {
        guard let string else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(
            start: string,
            count: strlen(UnsafeRawPointer(string).assumingMemoryBound(to: CChar.self))
        )
    }

    /// Whether `text` is these bytes: memcmp, where `elementsEqual` compares a byte at a time.
    static func equals(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.utf8.count == bytes.count else { return false }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return text.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, base, bytes.count) == 0 }
            ?? text.utf8.elementsEqual(bytes)
    }

    /// Appends `bytes` with `&`, `<`, `>` and `"` escaped, copying the runs between them whole.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        while true {
            // Nothing is below a floor of 0: only the four stops end a run.
            let index = firstIndex(
                in: bytes,
                from: runStart,
                below: 0,
                orOneOf: (UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""))
            )
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            guard index < bytes.count else { return }
            let reference: StaticString =
                switch bytes[index] {
                case UInt8(ascii: "&"): "&amp;"
                case UInt8(ascii: "<"): "&lt;"
                case UInt8(ascii: ">"): "&gt;"
                default: "&quot;"
                }
            output.append(contentsOf: Self.bytes(of: reference))
            runStart = index + 1
        }
    }

    /// The same, while `output` stays within `limit` bytes: the text is cut between two
    /// characters, never inside a UTF-8 sequence or a reference.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], limit: Int) {
        let room = limit - output.count
        // The common case: even if every byte became `&quot;`, it would fit.
        if bytes.count <= room / 6 { return appendEscaped(bytes, to: &output) }
        guard room > 0 else { return }
        var end = 0
        var length = 0
        while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "&"): length += 5
            case UInt8(ascii: "<"), UInt8(ascii: ">"): length += 4
            case UInt8(ascii: "\""): length += 6
            default: length += 1
            }
            if length > room { break }
            end += 1
        }
        // Back to the start of the character the cut fell in (continuation bytes are 10xxxxxx).
        if end < bytes.count { while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 } }
        appendEscaped(UnsafeBufferPointer(rebasing: bytes[..<end]), to: &output)
    }

    /// Whether the text holds a `"` or a `>` (which escaping changes), sixteen bytes at a time.
    static func containsQuoteOrGreaterThan(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let (quote, greaterThan) = (UInt8(ascii: "\""), UInt8(ascii: ">"))
            // Nothing is below a floor of 0.
            return firstIndex(in: bytes, from: 0, below: 0, orOneOf: (quote, greaterThan, quote, quote)) < bytes.count
        }
    }

    /// Where `needle` first occurs in `bytes` at or after `start`: memchr for its first byte (the
    /// C library's vector search), then a comparison.
    static func firstIndex(
        of needle: UnsafeBufferPointer<UInt8>,
        in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int
    ) -> Int? {
        guard let base = bytes.baseAddress, let first = needle.first else { return nil }
        var index = start
        while index + needle.count <= bytes.count,
            let found = memchr(base + index, Int32(first), bytes.count - index)
        {
            let position = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            guard position + needle.count <= bytes.count else { return nil }
            if memcmp(base + position, needle.baseAddress!, needle.count) == 0 { return position }
            index = position + 1
        }
        return nil
    }

    /// The first index at or after `start` whose byte is below `floor` (at most 128) or is one of
    /// `stops` (repeat one for fewer); `bytes.count` when there is none. Sixteen bytes at a time
    /// in a vector register, then eight in a word (the bit tricks of Anderson's "Bit Twiddling
    /// Hacks": `hasless` and `haszero`), where none of them is one: for the runs of text the
    /// HTML reader and the escaping copy whole.
    static func firstIndex(
        in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        below floor: UInt8,
        orOneOf stops: (UInt8, UInt8, UInt8, UInt8)
    ) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        /// Whether a byte of `word` is below `limit`.
        func hasByte(_ word: UInt64, below limit: UInt8) -> Bool {
            (word &- ones &* UInt64(limit)) & ~word & highBits != 0
        }
        var index = start
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            // Sixteen bytes at a time in vector registers, for long runs, then eight in one word.
            let vectorStops = (
                SIMD16<UInt8>(repeating: stops.0), SIMD16<UInt8>(repeating: stops.1),
                SIMD16<UInt8>(repeating: stops.2), SIMD16<UInt8>(repeating: stops.3)
            )
            let vectorFloor = SIMD16<UInt8>(repeating: floor)
            while index + 16 <= bytes.count {
                let vector = (base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let found =
                    (vector .< vectorFloor) .| (vector .== vectorStops.0) .| (vector .== vectorStops.1)
                    .| (vector .== vectorStops.2) .| (vector .== vectorStops.3)
                if any(found) { break }
                index += 16
            }
            while index + 8 <= bytes.count {
                let word = (base + index).loadUnaligned(as: UInt64.self)
                if hasByte(word, below: floor) || hasByte(word ^ (ones &* UInt64(stops.0)), below: 1)
                    || hasByte(word ^ (ones &* UInt64(stops.1)), below: 1)
                    || hasByte(word ^ (ones &* UInt64(stops.2)), below: 1)
                    || hasByte(word ^ (ones &* UInt64(stops.3)), below: 1)
                {
                    break
                }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < floor || byte == stops.0 || byte == stops.1 || byte == stops.2 || byte == stops.3 {
                return index
            }
            index += 1
        }
        return index
    }

    static func trimmed(_ bytes: [UInt8]) -> String {
        guard let first = bytes.firstIndex(where: { !isSpace($0) && $0 != 0x0A }),
            let last = bytes.lastIndex(where: { !isSpace($0) && $0 != 0x0A })
        else { return "" }
        return UTF8Bytes.string(bytes[first...last])
    }
}
