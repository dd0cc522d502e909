import Foundation
import GazetteCore

/// The encodings that keep a message 7-bit clean with lines under 998 octets:
/// quoted-printable bodies (RFC 2045) and encoded words in headers (RFC 2047).
enum MIMEEncoding {
    /// Quoted-printable with CRLF line ends and encoded lines of at most 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        var output: [UInt8] = []
        appendQuotedPrintable(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Quoted-printable, appended to `output`. One pass over the UTF-8 bytes, written through
    /// a pointer into space reserved up front: a digest is encoded for every reader.
    static func appendQuotedPrintable(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            // At worst every byte becomes "=XX" (a line break is two bytes for at least one), and
            // a soft break "=\r\n" comes only after at least 73 characters of its line.
            let bound = 3 * bytes.count + 3 * (3 * bytes.count / 73 + 1)
            let encoded = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
                initialized = encode(bytes, into: buffer)
            }
            output.append(contentsOf: encoded)
        }
    }

    /// The encoding itself; returns how many bytes it wrote. Runs of printable ASCII that fit
    /// in the line are copied as they are; every other byte takes the careful path, one at a
    /// time (a digest's HTML breaks runs at each `=`, but most of its bytes are still in runs).
    private static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int
    {
        var count = 0
        var column = 0
        var index = 0
        let end = bytes.count
        while index < end {
            // A run: printable ASCII other than "=", and spaces and tabs, while the line has room
            // (column 75 leaves space for a soft break). A run's last byte is followed by
            // another byte of the line, so a space or tab in it is never trailing, except for
            // the run's very last byte when the line ends there: that one is left to the careful
            // path below.
            var stop = runEnd(bytes, from: index, limit: min(end, index + max(0, 75 - column)))
            if stop > index, stop == end || bytes[stop] == 10 || bytes[stop] == 13,
                bytes[stop - 1] == 32 || bytes[stop - 1] == 9
            {
                stop -= 1
            }
            if stop > index {
                let length = stop - index
                UnsafeMutableRawPointer(out.baseAddress! + count)
                    .copyMemory(from: bytes.baseAddress! + index, byteCount: length)
                count += length
                column += length
                index = stop
                continue
            }
            let byte = bytes[index]
            // CRLF, a lone LF or a lone CR: a hard line break.
            if byte == 10 || byte == 13 {
                out[count] = 13
                out[count + 1] = 10
                count += 2
                column = 0
                index += (byte == 13 && index + 1 < end && bytes[index + 1] == 10) ? 2 : 1
                continue
            }
            let next = index + 1 < end ? bytes[index + 1] : 10
            let isLast = next == 10 || next == 13
            // Trailing spaces and tabs are encoded: transports may strip them.
            let plain =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 32 || byte == 9) && !isLast)
            let width = plain ? 1 : 3
            // Leave room for the soft break "=" unless this is the line's last character.
            if column + width > (isLast ? 76 : 75) {
                out[count] = UInt8(ascii: "=")
                out[count + 1] = 13
                out[count + 2] = 10
                count += 3
                column = 0
            }
            if plain {
                out[count] = byte
                count += 1
            } else {
                out[count] = UInt8(ascii: "=")
                out[count + 1] = hexDigit(byte >> 4)
                out[count + 2] = hexDigit(byte & 0xF)
                count += 3
            }
            column += width
            index += 1
        }
        // The caller's bound holds (see there); were it ever wrong, stop rather than write on.
        precondition(count <= out.count, "quoted-printable output exceeded its bound")
        return count
    }

    /// Where the run of bytes that quoted-printable leaves as they are (printable ASCII but
    /// "=", space and tab) starting at `start` ends, at `limit` at most. Eight bytes at a time:
    /// a word with any other byte (a tab too, which the careful path then takes) ends the run
    /// at its first such byte; the last few bytes before `limit` one at a time.
    @inline(__always)
    private static func runEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Int {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        var stop = start
        while stop + 8 <= limit {
            let others = otherBytes(base.loadUnaligned(fromByteOffset: stop, as: UInt64.self))
            // Little-endian: the lowest set bit is the first such byte's.
            if others != 0 { return stop + others.trailingZeroBitCount / 8 }
            stop += 8
        }
        while stop < limit, isRunByte(bytes[stop]) { stop += 1 }
        return stop
    }

    /// The top bit of each byte of `word` that is not printable ASCII (0x20 to 0x7E) or is "="
    /// (the classic bit tricks: a byte below n, above n, or equal to n sets its top bit). A
    /// borrow or carry can also mark a byte after a marked one, never one before it: the
    /// lowest mark is exact.
    @inline(__always)
    private static func otherBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = (word &- ones &* 0x20) & ~word  // a byte below 0x20
        let above = (word &+ ones) | word  // a byte of 0x7F or more
        let equals = word ^ (ones &* 0x3D)
        let isEquals = (equals &- ones) & ~equals  // a byte that is "="
        return (below | above | isEquals) & highs
    }

    /// Bytes that quoted-printable leaves as they are inside a line: printable ASCII but "=",
    /// space and tab.
    @inline(__always)
    private static func isRunByte(_ byte: UInt8) -> Bool {
        (byte >= 32 && byte <= 126 && byte != UInt8(ascii: "=")) || byte == 9
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    /// Header text as-is when it is printable ASCII (folded at its spaces when long), otherwise
    /// as RFC 2047 B-encoded words of whole UTF-8 characters; no line exceeds 78 characters.
    static func headerText(_ text: String, nameLength: Int) -> String {
        let isPlain = isPlainASCII(text)
        if isPlain && nameLength + text.utf8.count <= 78 { return text }
        if isPlain, let folded = folded(text, nameLength: nameLength) { return folded }
        return encodedWords(text).joined(separator: "\r\n ")
    }

    /// RFC 2047 B-encoded words for `text`, each of at most 60 characters.
    private static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        // 36 bytes make 48 of base64 and a 60-character word: with "Subject: " before it, or a
        // folding space, every line stays under 78 characters.
        // Whole Unicode scalars (never a split UTF-8 sequence); a grapheme longer than a word
        // is split between its scalars rather than producing an empty or overlong word.
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > 36 {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    /// Printable ASCII with no "=?", which would read as the start of an encoded word. Looked
    /// for byte by byte: Foundation's `contains` bridges to NSString, and this runs for every
    /// header of every message.
    private static func isPlainASCII(_ text: some StringProtocol) -> Bool {
        let utf8 = text.utf8
        return utf8.allSatisfy { $0 >= 32 && $0 < 127 }
            && !zip(utf8, utf8.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
    }

    /// Long printable ASCII folded before spaces (RFC 5322 2.2.3): unfolding gives the text back
    /// exactly. Nil when it cannot be: a word too long for a line, or spaces that are not single
    /// (a fold would change them).
    private static func folded(_ text: String, nameLength: Int) -> String? {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        guard !words.contains(where: \.isEmpty) else { return nil }
        var result = String(words[0])
        var lineLength = nameLength + words[0].utf8.count
        guard lineLength <= 78 else { return nil }
        for word in words.dropFirst() {
            // One space and the word: on this line, or starting the next one.
            guard word.utf8.count + 1 <= 78 else { return nil }
            if lineLength + 1 + word.utf8.count > 78 {
                result += "\r\n"
                lineLength = 0
            }
            result += " " + word
            lineLength += 1 + word.utf8.count
        }
        return result
    }

    /// `Display Name <address>` after a header name of `nameLength` characters: the name as it
    /// is when it is atext, quoted when it is other plain ASCII, else a phrase with encoded
    /// words. Folded like any header (RFC 5322 allows folding between a name's words and before
    /// the `<`), so that no line passes 78 characters unless the address alone is longer: it is
    /// never split.
    static func mailbox(_ mailbox: MailboxName, nameLength: Int) -> String {
        // Controls (a NUL or a line break in a name made in code, not parsed) become spaces.
        guard let name = mailbox.displayName.map(SafeText.header), !name.isEmpty else { return mailbox.address.value }
        // A phrase's words are read back with single spaces between them: other spacing is
        // quoted, or encoded.
        let singleSpaced = !name.hasPrefix(" ") && !name.hasSuffix(" ") && !name.contains("  ")
        let phrase: String
        if singleSpaced, isPhraseOfAtoms(name) {
            phrase = name
        } else if isPlainASCII(name), !name.contains(where: { $0 == "\"" || $0 == "\\" }) {
            phrase = "\"\(name)\""
        } else if singleSpaced {
            phrase = encodedPhrase(name)
        } else {
            phrase = encodedWords(name).joined(separator: " ")
        }
        // Folded at its spaces when it can be (a quoted string's too, RFC 5322 3.2.4).
        let rendered = nameLength + phrase.utf8.count <= 78 ? phrase : folded(phrase, nameLength: nameLength) ?? phrase
        let lines = rendered.components(separatedBy: "\r\n")
        let lastLineLength = (lines.count == 1 ? nameLength : 0) + lines.last!.utf8.count
        let angleAddress = "<\(mailbox.address.value)>"
        return lastLineLength + 1 + angleAddress.utf8.count <= 78
            ? rendered + " " + angleAddress : rendered + "\r\n " + angleAddress
    }

    /// A single-spaced name as a phrase (RFC 2047 5(3)): its atext words as they are, each run
    /// of its other words as encoded words that hold the run's spaces. Readers ignore the space
    /// between two encoded words (RFC 2047 6.2), but Python's address parser keeps it: the
    /// atext words between runs are what keeps most names clear of that, as Python's own
    /// writer does; only a run too long for one encoded word is split between two.
    private static func encodedPhrase(_ name: String) -> String {
        var pieces: [String] = []
        var run: [Substring] = []
        for word in name.split(separator: " ") {
            if isPhraseOfAtoms(word) {
                if !run.isEmpty { pieces += encodedWords(run.joined(separator: " ")) }
                run = []
                pieces.append(String(word))
            } else {
                run.append(word)
            }
        }
        if !run.isEmpty { pieces += encodedWords(run.joined(separator: " ")) }
        return pieces.joined(separator: " ")
    }

    /// Words of atext that a reader takes as they are: no "=?" that would start an encoded word.
    private static func isPhraseOfAtoms(_ text: some StringProtocol) -> Bool {
        isPlainASCII(text) && text.utf8.allSatisfy(isAtextOrSpace)
    }

    /// RFC 5322 atext, and the space between a display name's words.
    private static func isAtextOrSpace(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "!#$%&'*+-/=?^_`{|}~ ".utf8.contains(byte)
        }
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?utf-8?B?" + Data(bytes).base64EncodedString() + "?="
    }
}
