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
        // The output lives inside the closure: captured from outside, every append would go
        // through the closure's box.
        var output = bytes.withUnsafeBufferPointer { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(min(bytes.count, limit * 4))
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
            return output
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

    static func trimmed(_ bytes: [UInt8]) -> String {
        guard let first = bytes.firstIndex(where: { !isSpace($0) && $0 != 0x0A }),
            let last = bytes.lastIndex(where: { !isSpace($0) && $0 != 0x0A })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
