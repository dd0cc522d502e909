import Foundation

/// Parses the dates feeds write, without a `DateFormatter` (which costs ~90 µs a call):
/// RFC 822 as in RSS, with its real-world variants, and ISO 8601 / RFC 3339 as in Atom. Reads
/// bytes: every item has a date or two, and `Character`-level splitting cost more than the
/// rest of the item's metadata. Names, digits and separators are ASCII; any other byte is
/// part of a field and matches none of them.
public enum FeedDate {
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0[...]) }
    }

    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    private static func parse(_ text: Bytes) -> Date? {
        var text = text.drop(while: isSpace)
        while let last = text.last, isSpace(last) { text = text.dropLast() }
        guard let first = text.first, text.count <= 64 else { return nil }
        // ISO 8601 starts with a four-digit year and a hyphen.
        let isISO = isDigit(first) && text.count > 4 && text[text.startIndex + 4] == UInt8(ascii: "-")
        return isISO ? parseISO8601(text) : parseRFC822(text)
    }

    private static let months: [StaticString] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    /// North American zone names that RFC 822 allows, in minutes east of UTC.
    private static let zones: [(name: StaticString, minutes: Int)] = [
        ("GMT", 0), ("UT", 0), ("UTC", 0), ("Z", 0), ("EST", -300), ("EDT", -240), ("CST", -360), ("CDT", -300),
        ("MST", -420), ("MDT", -360), ("PST", -480), ("PDT", -420),
    ]

    /// `[Www, ]D[D] Mon YYYY HH:MM[:SS] [zone]`; the weekday is ignored, a missing zone is UTC.
    private static func parseRFC822(_ text: Bytes) -> Date? {
        var rest = text
        // A weekday of up to ten characters before a comma (`Wednesday,`, `Mié,`).
        if let comma = rest.firstIndex(of: UInt8(ascii: ",")), characterCount(rest[..<comma]) <= 10 {
            rest = rest[(comma + 1)...]
        }
        // Fields taken off the front one at a time, as `split` would give them (runs of blanks
        // are one separator), without its array: two arrays a date were most of its cost.
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let dayField = nextField(&rest, separatedBy: isBlank),
            let monthField = nextField(&rest, separatedBy: isBlank),
            let yearField = nextField(&rest, separatedBy: isBlank),
            var timeField = nextField(&rest, separatedBy: isBlank),
            let day = integer(dayField), let month = month(monthField), var year = integer(yearField)
        else { return nil }
        if yearField.count == 2 { year += year < 50 ? 2000 : 1900 }
        // Two or three parts between colons (empty ones skipped, as by `split`), no more.
        let isColon = { (byte: UInt8) in byte == UInt8(ascii: ":") }
        let hourField = nextField(&timeField, separatedBy: isColon)
        let minuteField = nextField(&timeField, separatedBy: isColon)
        let secondField = nextField(&timeField, separatedBy: isColon)
        guard let hourField, let minuteField, nextField(&timeField, separatedBy: isColon) == nil,
            let hour = integer(hourField), let minute = integer(minuteField)
        else { return nil }
        let second = secondField.map { integer($0.prefix(2)) } ?? 0
        guard let second else { return nil }
        var offsetMinutes = 0
        if let zoneField = nextField(&rest, separatedBy: isBlank) {
            guard let offset = zoneOffset(zoneField) else { return nil }
            offsetMinutes = offset
        }
        return makeDate(year, month, day, hour, minute, second, fraction: 0, offsetMinutes: offsetMinutes)
    }

    /// `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM|±HHMM]`; a date alone is midnight UTC.
    private static func parseISO8601(_ text: Bytes) -> Date? {
        var index = text.startIndex
        func number(_ digits: Int) -> Int? {
            guard index + digits <= text.endIndex else { return nil }
            var value = 0
            for byte in text[index..<index + digits] {
                guard isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard index < text.endIndex, text[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip(UInt8(ascii: "-")), let month = number(2), skip(UInt8(ascii: "-")),
            let day = number(2)
        else { return nil }
        if index == text.endIndex {
            return makeDate(year, month, day, 0, 0, 0, fraction: 0, offsetMinutes: 0)
        }
        guard skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")) || skip(UInt8(ascii: " ")),
            let hour = number(2), skip(UInt8(ascii: ":")), let minute = number(2)
        else { return nil }
        var second = 0
        var fraction = 0.0
        if skip(UInt8(ascii: ":")) {
            guard let value = number(2) else { return nil }
            second = value
            if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
                var scale = 0.1
                while index < text.endIndex, isDigit(text[index]) {
                    fraction += Double(text[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
        }
        let zone = text[index...]
        guard let offset = zone.isEmpty ? 0 : zoneOffset(zone) else { return nil }
        return makeDate(year, month, day, hour, minute, second, fraction: fraction, offsetMinutes: offset)
    }

    /// `Z`, a named zone, `+hhmm`, `+hh:mm` or `+hh`; nil for anything else.
    private static func zoneOffset(_ zone: Bytes) -> Int? {
        if let named = zones.first(where: { equalsIgnoringCase(zone, $0.name) }) { return named.minutes }
        guard let sign = zone.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        // The digits, colons left out, read without an array of them.
        var (value, count) = (0, 0)
        for byte in zone.dropFirst() where byte != UInt8(ascii: ":") {
            guard isDigit(byte), count < 4 else { return nil }
            value = value * 10 + Int(byte - 48)
            count += 1
        }
        guard count == 4 || count == 2 else { return nil }
        let hours = count == 4 ? value / 100 : value
        let minutes = count == 4 ? value % 100 : 0
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    /// The next field of `rest`, taken off its front: what lies before the next separator, after
    /// any separators at the front (so no field is empty); nil when only separators are left.
    private static func nextField(_ rest: inout Bytes, separatedBy isSeparator: (UInt8) -> Bool) -> Bytes? {
        guard let start = rest.firstIndex(where: { !isSeparator($0) }) else {
            rest = rest[rest.endIndex...]
            return nil
        }
        let end = rest[start...].firstIndex(where: isSeparator) ?? rest.endIndex
        defer { rest = rest[end...] }
        return rest[start..<end]
    }

    /// The month whose English name, or its first three letters, starts the field, in any case.
    private static func month(_ field: Bytes) -> Int? {
        guard field.count >= 3 else { return nil }
        return months.firstIndex { equalsIgnoringCase(field.prefix(3), $0) }.map { $0 + 1 }
    }

    /// A decimal number with an optional sign, as `Int("…")` reads one; nil on overflow.
    private static func integer(_ field: Bytes) -> Int? {
        var digits = field
        let isNegative = digits.first == UInt8(ascii: "-")
        if isNegative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard isDigit(byte) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = shifted.addingReportingOverflow(Int(byte - 48))
            guard !overflow, !overflowAgain else { return nil }
            value = sum
        }
        return isNegative ? -value : value
    }

    /// Characters, not bytes: a weekday in Greek or Russian takes two bytes a letter.
    private static func characterCount(_ bytes: Bytes) -> Int {
        bytes.allSatisfy { $0 < 0x80 } ? bytes.count : String(decoding: bytes, as: UTF8.self).count
    }

    /// Whether `bytes` spell `name` (ASCII), letters in either case.
    private static func equalsIgnoringCase(_ bytes: Bytes, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        for (offset, byte) in bytes.enumerated() where byte | 0x20 != name.utf8Start[offset] | 0x20 {
            return false
        }
        return true
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func makeDate(
        _ year: Int,
        _ month: Int,
        _ day: Int,
        _ hour: Int,
        _ minute: Int,
        _ second: Int,
        fraction: Double,
        offsetMinutes: Int
    ) -> Date? {
        guard (1900...2200).contains(year), (1...12).contains(month), (1...daysIn(month, year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59) - offsetMinutes * 60
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
