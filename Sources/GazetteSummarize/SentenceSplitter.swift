/// Splits English news text into sentences: after `.`, `!`, `?` or `…` (and any closing quotes
/// or brackets) followed by a space and a sentence start, unless the period ends a known
/// abbreviation (Dr., U.S., p.m., Jan.), an initial (J. R. R. Tolkien) or is part of a number
/// (3.5). Line breaks always end a sentence. Works on UTF-8 bytes, for speed.
public enum SentenceSplitter {
    /// Lower-cased abbreviations, without their final period, that do not end a sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "lt", "col", "sgt", "capt", "cmdr",
        "gov", "sen", "rep", "rev", "hon", "pres", "supt", "det", "insp", "no", "nos", "vol", "vs", "v", "etc",
        "e.g", "i.e", "cf", "al", "inc", "ltd", "co", "corp", "bros", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "a.m", "p.m",
        "u.s", "u.k", "u.n", "e.u", "d.c", "u.s.a", "ave", "blvd", "rd", "approx", "est", "dept", "univ",
    ]

    public static func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var sentences: [String] = []
        var start = 0
        var index = 0
        func emit(upTo end: Int) {
            if let sentence = collapsed(bytes[start..<end]) { sentences.append(sentence) }
            start = end
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                emit(upTo: index)
                index += 1
                start = index
                continue
            }
            let terminatorLength = terminator(bytes, at: index)
            guard terminatorLength > 0 else {
                index += 1
                continue
            }
            var end = index + terminatorLength
            // "?!", "...", and closing quotes or brackets belong to the sentence.
            while end < bytes.count {
                let more = max(terminator(bytes, at: end), closer(bytes, at: end))
                if more == 0 { break }
                end += more
            }
            guard end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x09 else {
                index = end
                continue
            }
            var next = end
            while next < bytes.count, bytes[next] == 0x20 || bytes[next] == 0x09 { next += 1 }
            if next < bytes.count, startsSentence(bytes, at: next),
                !(byte == UInt8(ascii: ".") && isAbbreviation(bytes, periodAt: index))
            {
                emit(upTo: end)
            }
            index = end
        }
        emit(upTo: bytes.count)
        return sentences
    }

    /// The length of a sentence terminator at `index` (`.`, `!`, `?`, or `…` in UTF-8), or 0.
    private static func terminator(_ bytes: [UInt8], at index: Int) -> Int {
        switch bytes[index] {
        case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"): return 1
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA6: return 3
        default: return 0
        }
    }

    /// The length of a closing quote or bracket at `index` (", ', ), ], ”, ’, »), or 0.
    private static func closer(_ bytes: [UInt8], at index: Int) -> Int {
        switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ")"), UInt8(ascii: "]"): return 1
        case 0xE2
        where index + 2 < bytes.count && bytes[index + 1] == 0x80
            && (bytes[index + 2] == 0x9D || bytes[index + 2] == 0x99):
            return 3
        case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xBB: return 2
        default: return 0
        }
    }

    /// An upper-case letter (ASCII or Latin-1), a digit, or an opening quote or bracket.
    private static func startsSentence(_ bytes: [UInt8], at index: Int) -> Bool {
        let byte = bytes[index]
        switch byte {
        case 0x41...0x5A, 0x30...0x39, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: "["):
            return true
        case 0xC3: return index + 1 < bytes.count && (0x80...0x9E).contains(bytes[index + 1])
        case 0xE2:
            return index + 2 < bytes.count && bytes[index + 1] == 0x80
                && (bytes[index + 2] == 0x9C || bytes[index + 2] == 0x98)
        case 0xC2: return index + 1 < bytes.count && bytes[index + 1] == 0xAB
        default: return false
        }
    }

    /// Whether the period at `index` ends an abbreviation or an initial rather than a sentence.
    private static func isAbbreviation(_ bytes: [UInt8], periodAt index: Int) -> Bool {
        var wordStart = index
        while wordStart > 0 {
            let previous = bytes[wordStart - 1]
            if previous == 0x20 || previous == 0x09 || previous == UInt8(ascii: "(") || previous == UInt8(ascii: "\"") {
                break
            }
            wordStart -= 1
        }
        guard wordStart < index, index - wordStart <= 6 else { return false }
        // A single capital letter is an initial ("J. Smith").
        if index - wordStart == 1, (0x41...0x5A).contains(bytes[wordStart]) { return true }
        let word = String(
            decoding: bytes[wordStart..<index].map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 },
            as: UTF8.self
        )
        return abbreviations.contains(word)
    }

    /// The bytes as a string with runs of whitespace collapsed; nil when empty. Written straight
    /// into the string's storage: one copy, not two.
    private static func collapsed(_ bytes: ArraySlice<UInt8>) -> String? {
        let text = String(unsafeUninitializedCapacity: bytes.count) { output in
            var count = 0
            var pendingSpace = false
            for byte in bytes {
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    pendingSpace = count > 0
                } else {
                    if pendingSpace {
                        output[count] = 0x20
                        count += 1
                    }
                    pendingSpace = false
                    output[count] = byte
                    count += 1
                }
            }
            return count
        }
        return text.isEmpty ? nil : text
    }
}
