/// UTF-8 checked faster than Swift's own check, and strings made from bytes without checking
/// them twice. `String(decoding:as:)` validates a byte at a time, and ingest makes a string of
/// every article's content, HTML and text: that validation was 7–9% of `gazette parse`.
enum UTF8Bytes {
    enum Form {
        case ascii
        case utf8
    }

    /// What the bytes are, or nil when they are not UTF-8 as Swift's `String(validating:)`
    /// accepts it (no overlong forms, surrogates or scalars past U+10FFFF). With
    /// `rejectingC1Controls`, C2 80–C2 9F (U+0080–U+009F, which `FeedBytes.demoronize`
    /// replaces) make them invalid too.
    @inline(__always)
    static func form(of bytes: UnsafeBufferPointer<UInt8>, rejectingC1Controls: Bool) -> Form? {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return .ascii }
        let raw = UnsafeRawPointer(base)
        var isASCII = true
        var index = 0
        while index < count {
            // Non-ASCII text (Cyrillic, CJK) goes straight on to the next sequence.
            if bytes[index] < 0x80 {
                // Text is mostly ASCII: 32 bytes at a time while none has its high bit set, then 8
                // at a time to the first byte that has (skipped to at once: in Latin-script prose a
                // byte at a time up to each accented letter cost as much as all the rest).
                while index + 32 <= count {
                    let bits =
                        raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
                    guard bits & 0x8080_8080_8080_8080 == 0 else { break }
                    index += 32
                }
                while index + 8 <= count {
                    let high =
                        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                        & 0x8080_8080_8080_8080
                    guard high == 0 else {
                        // The lowest set bit is the first byte's with its high bit set.
                        index += high.trailingZeroBitCount >> 3
                        break
                    }
                    index += 8
                }
                while index < count, bytes[index] < 0x80 { index += 1 }
                guard index < count else { break }
            }
            let lead = bytes[index]
            isASCII = false
            let isContinuation = { (offset: Int) in index + offset < count && bytes[index + offset] & 0xC0 == 0x80 }
            switch lead {
            case 0xC2...0xDF:
                guard isContinuation(1) else { return nil }
                if rejectingC1Controls, lead == 0xC2, bytes[index + 1] < 0xA0 { return nil }
                index += 2
            case 0xE0...0xEF:
                guard isContinuation(1), isContinuation(2) else { return nil }
                let second = bytes[index + 1]
                if lead == 0xE0 && second < 0xA0 || lead == 0xED && second > 0x9F { return nil }
                index += 3
            case 0xF0...0xF4:
                guard isContinuation(1), isContinuation(2), isContinuation(3) else { return nil }
                let second = bytes[index + 1]
                if lead == 0xF0 && second < 0x90 || lead == 0xF4 && second > 0x8F { return nil }
                index += 4
            default:
                return nil
            }
        }
        return isASCII ? .ascii : .utf8
    }

    /// The same string as `String(decoding: bytes, as: UTF8.self)`: valid bytes are copied
    /// after this file's check, without the standard library's; invalid ones go to the
    /// standard library, which repairs them with U+FFFD.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let form = form(of: bytes, rejectingC1Controls: false) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        // Sound because `form` has just checked what the standard library would have.
        let span = unsafe UTF8Span(unchecked: Span(_unsafeElements: bytes), isKnownASCII: form == .ascii)
        return String(copying: span)
    }

    static func string(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { string($0) }
    }
}
