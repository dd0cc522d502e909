import TestSupport
import Testing

@testable import GazetteIngest

@Suite("Byte scans")
struct ByteScanTests {
    /// What the UTF-8 check must answer: valid for Swift, and no C1 control (U+0080–U+009F).
    static func reference(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        return !text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }
    }

    static func check(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { UTF8Bytes.form(of: $0, rejectingC1Controls: true) } != nil
    }

    /// What the string maker must answer: the standard library's string, repaired where it
    /// repairs, and the form (ASCII or not) that the unchecked copy is told.
    static func expectSameString(_ bytes: [UInt8]) {
        let expected = String(decoding: bytes, as: UTF8.self)
        let made = UTF8Bytes.string(bytes)
        #expect(made == expected, "\(bytes)")
        #expect(Array(made.utf8) == Array(expected.utf8), "\(bytes)")
        #expect(Array(made.unicodeScalars) == Array(expected.unicodeScalars), "\(bytes)")
        #expect(made.count == expected.count, "\(bytes)")
        let form = bytes.withUnsafeBufferPointer { UTF8Bytes.form(of: $0, rejectingC1Controls: false) }
        #expect((form != nil) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        #expect((form == .ascii) == bytes.allSatisfy { $0 < 0x80 }, "\(bytes)")
    }

    @Test("strings made after the fast check equal the standard library's, also across 32-byte runs")
    func stringsOfLongRuns() {
        for length in [0, 7, 8, 31, 32, 33, 64, 100] {
            for sequence in [
                [], Array("é".utf8), [0xC2, 0x85], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xFF],
            ] {
                let ascii = [UInt8](repeating: 0x61, count: length)
                Self.expectSameString(ascii + sequence)
                Self.expectSameString(sequence + ascii)
                Self.expectSameString(ascii + sequence + ascii)
            }
        }
    }

    @Test("the UTF-8 check and string maker agree with Swift for every kind of sequence, wherever it falls in a word")
    func utf8CheckEdgeCases() {
        let sequences: [[UInt8]] = [
            Array("café €😀".utf8), [0xC2, 0x85], [0xC2, 0xA0], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
            [0xE0, 0x80, 0xAF], [0xE0, 0xA0, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        ]
        // The check reads 32 ASCII bytes at a time, then eight to the first that is not: move
        // each sequence across both boundaries, and end the input inside and after it.
        for sequence in sequences {
            for offset in 0...41 {
                for tail in [0, 3, 8] {
                    let bytes =
                        [UInt8](repeating: 0x61, count: offset) + sequence + [UInt8](repeating: 0x62, count: tail)
                    #expect(Self.check(bytes) == Self.reference(bytes), "\(bytes)")
                    Self.expectSameString(bytes)
                }
            }
        }
    }

    @Test("the UTF-8 check and string maker agree with Swift on 5,000 mixed byte strings")
    func utf8CheckSweep() {
        // A fixed linear congruential generator: the same strings every run.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var valid = 0
        for _ in 0..<5_000 {
            let length = Int(next() % 40)
            let bytes = (0..<length).map { _ -> UInt8 in
                // Mostly ASCII, as feeds are, with lead and continuation bytes mixed in.
                next() % 4 == 0 ? UInt8(0x80 + next() % 0x80) : UInt8(0x20 + next() % 0x5F)
            }
            let expected = Self.reference(bytes)
            if expected { valid += 1 }
            #expect(Self.check(bytes) == expected, "\(bytes)")
            Self.expectSameString(bytes)
        }
        #expect(valid > 100 && valid < 4_900, "the sweep covers both answers")
    }

    @Test(
        "a prefix keeps whole characters and agrees with String.prefix, with or without the byte shortcut",
        arguments: [
            ("guid-1234", 100), ("abcdef", 3), ("", 5), (String(repeating: "é", count: 60), 100),
            (String(repeating: "é", count: 60), 50), ("e\u{301}e\u{301}e\u{301}", 2), ("🇫🇷🇩🇪🇮🇹", 2),
            ("日本語のニュース", 4), ("abc", 3),
        ] as [(String, Int)]
    )
    func prefix(text: String, limit: Int) {
        #expect(ByteText.prefix(text, limit) == String(text.prefix(limit)))
        #expect(ByteText.prefix(text, limit).count <= limit)
    }

    @Test("the search by 16 and 8 bytes at a time finds what a byte loop finds, wherever the byte falls")
    func firstIndexAgreesWithALoop() {
        var random = SplitMix(seed: 3)
        for _ in 0..<20_000 {
            // Mostly bytes that are not stops, so that runs cross several vectors and words.
            let count = Int.random(in: 0...80, using: &random)
            let bytes = (0..<count).map { _ in
                Int.random(in: 0..<6, using: &random) == 0
                    ? UInt8.random(in: 0...255, using: &random) : UInt8.random(in: 0x21...0x7E, using: &random)
            }
            let floor = UInt8.random(in: 0...128, using: &random)
            let stops = (
                UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random),
                UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random)
            )
            let start = Int.random(in: 0...count, using: &random)
            let expected =
                bytes[start...].firstIndex {
                    $0 < floor || $0 == stops.0 || $0 == stops.1 || $0 == stops.2 || $0 == stops.3
                } ?? count
            let found = bytes.withUnsafeBufferPointer {
                ByteText.firstIndex(in: $0, from: start, below: floor, orOneOf: stops)
            }
            #expect(found == expected, "\(bytes) from \(start), below \(floor), stops \(stops)")
        }
    }

    /// Collapsing as the documentation says it, a line and a word at a time.
    static func collapsedByLines(_ bytes: [UInt8]) -> String {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> [UInt8] in
            var words: [[UInt8]] = [[]]
            var index = line.startIndex
            while index < line.endIndex {
                if [0x20, 0x09, 0x0D, 0x0C, 0x0B].contains(line[index]) {
                    words.append([])
                } else if line[index] == 0xC2, index + 1 < line.endIndex, line[index + 1] == 0xA0 {
                    words.append([])
                    index += 1
                } else {
                    words[words.count - 1].append(line[index])
                }
                index += 1
            }
            return Array(words.filter { !$0.isEmpty }.joined(separator: [0x20]))
        }
        return String(decoding: Array(lines.filter { !$0.isEmpty }.joined(separator: [0x0A])), as: UTF8.self)
    }

    @Test("collapsing whitespace 16 and 8 bytes at a time gives what a line-and-word reading gives")
    func collapseAgreesWithLinesAndWords() {
        var random = SplitMix(seed: 11)
        // Prose-like pieces, so that the 16- and 8-byte paths run and stop at every kind of byte.
        let pieces: [[UInt8]] = [
            Array("word".utf8), Array("a".utf8), Array("longerword".utf8), [0x20], [0x20], [0x20, 0x20], [0x0A],
            [0x09], [0x0D, 0x0A], [0x0C], [0x0B], [0xC2, 0xA0], [0xC2, 0xA3], Array("é".utf8), [0x01], [0x7F],
            Array("日本".utf8), [0xC2],
        ]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...30, using: &random) {
                // Mostly words and single spaces, as prose is.
                let pick = Int.random(in: 0..<(pieces.count + 6), using: &random)
                bytes += pick < pieces.count ? pieces[pick] : (pick % 2 == 0 ? Array("text".utf8) : [0x20])
            }
            let collapsed = ByteText.collapseLines(bytes, limit: 10_000)
            #expect(collapsed == Self.collapsedByLines(bytes), "\(bytes)")
        }
    }

    @Test("plain text is returned as it is only when collapsing and escaping would not change it")
    func plainTextAsItIs() {
        var random = SplitMix(seed: 17)
        let pieces: [[UInt8]] = [
            Array("word".utf8), [0x20], [0x20, 0x20], [0x09], [0x0A], [0x0D], [0xC2, 0xA0], [0xC2, 0xA3],
            Array("é".utf8), Array(">".utf8), Array("\"".utf8), [0x7F], Array("日本".utf8),
        ]
        var asItIs = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                let pick = Int.random(in: 0..<(pieces.count + 4), using: &random)
                bytes += pick < pieces.count ? pieces[pick] : (pick % 2 == 0 ? Array("text".utf8) : [0x20])
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let collapsed = ByteText.collapseLines(bytes, limit: 10_000)
            // A single line feed stays too, but the check leaves lines to the longer path.
            let isOneLine = HTMLContent.isOneCollapsedLine(text)
            #expect(!isOneLine || collapsed == text, "\(bytes)")
            // What the path without the shortcut makes: the text collapsed, and escaped and trimmed,
            // each within its limit; also with limits the text passes, and without the HTML.
            for (textLimit, htmlLimit, sanitize) in [(10_000, 20_000, true), (5, 8, true), (7, 0, false)] {
                var escaped: [UInt8] = []
                bytes.withUnsafeBufferPointer { ByteText.appendEscaped($0, to: &escaped, limit: htmlLimit) }
                let expected = (
                    text: ByteText.collapseLines(bytes, limit: textLimit),
                    html: sanitize ? ByteText.trimmed(escaped) : ""
                )
                let result = HTMLContent.extract(
                    text,
                    baseURL: nil,
                    textLimit: textLimit,
                    htmlLimit: htmlLimit,
                    sanitize: sanitize
                )
                #expect(result.text == expected.text && result.html == expected.html, "\(bytes), \(textLimit)")
            }
            if isOneLine { asItIs += 1 }
        }
        #expect(asItIs > 1_000, "the sweep reaches the shortcut")
    }

    @Test("the eight-byte test of collapsing accepts prose and refuses every byte it must see")
    func copiedAsIs() {
        func word(_ text: [UInt8]) -> UInt64 { text.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        #expect(ByteText.isCopiedAsIs(word(Array("ab cd ef".utf8))))
        #expect(ByteText.isCopiedAsIs(word(Array(" abcdefg".utf8))))
        #expect(ByteText.isCopiedAsIs(word(Array("caf\u{E9} ok".utf8))))
        #expect(!ByteText.isCopiedAsIs(word(Array("abcdefg ".utf8))), "a space last may start a run")
        #expect(!ByteText.isCopiedAsIs(word(Array("ab  cdef".utf8))), "two spaces")
        for position in 0..<8 {
            for byte in [0x0A, 0x09, 0x0D, 0x0C, 0x0B, 0x00, 0x01, 0x1F, 0xC2] as [UInt8] {
                var bytes = Array("abcdefgh".utf8)
                bytes[position] = byte
                #expect(!ByteText.isCopiedAsIs(word(bytes)), "\(byte) at \(position)")
            }
            for byte in [0x21, 0x7F, 0x80, 0xC1, 0xC3, 0xFF] as [UInt8] {
                var bytes = Array("abcdefgh".utf8)
                bytes[position] = byte
                #expect(ByteText.isCopiedAsIs(word(bytes)), "\(byte) at \(position)")
            }
        }
    }

    @Test("Windows-1252 becomes the UTF-8 of each byte's character (the C1 range from its table)")
    func windows1252() {
        let bytes = (0...255).map(UInt8.init) + Array("café".utf8)
        let converted = FeedBytes.windows1252ToUTF8(bytes)
        let expected = bytes.map { byte -> Character in
            // Windows-1252 where it differs from Latin-1; its five holes become U+FFFD.
            let table: [UInt8: Unicode.Scalar] = [
                0x80: "€", 0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡", 0x88: "ˆ", 0x89: "‰",
                0x8A: "Š", 0x8B: "‹", 0x8C: "Œ", 0x8E: "Ž", 0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•",
                0x96: "–", 0x97: "—", 0x98: "˜", 0x99: "™", 0x9A: "š", 0x9B: "›", 0x9C: "œ", 0x9E: "ž", 0x9F: "Ÿ",
            ]
            if let scalar = table[byte] { return Character(scalar) }
            return (0x80...0x9F).contains(byte) ? "\u{FFFD}" : Character(Unicode.Scalar(byte))
        }
        #expect(String(decoding: converted, as: UTF8.self) == String(expected))
        #expect(converted.count == String(expected).utf8.count)
    }
}
