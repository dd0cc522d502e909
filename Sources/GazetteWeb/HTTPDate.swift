import Foundation

/// IMF-fixdate (RFC 9110 5.6.7): `Sun, 29 Nov 2026 07:00:00 GMT`, for Last-Modified and
/// If-Modified-Since. Written and read by hand: a DateFormatter is neither cheap nor Sendable.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) GMT"
    }

    /// The three forms RFC 9110 5.6.7 says a recipient must accept: IMF-fixdate, RFC 850
    /// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). Nil for
    /// anything else, an impossible date (30 Feb) included: such a header is ignored.
    static func parse(_ text: String, now: Date = Date()) -> Date? {
        let parts = text.split(separator: " ")
        switch parts.count {
        case 6:
            guard parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
            return date(year: year, month: parts[2], day: day, time: parts[4])
        case 4:
            // RFC 850: the day, month and two-digit year joined by dashes.
            let fields = parts[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts[3] == "GMT", fields.count == 3, fields[2].count == 2, let day = Int(fields[0]),
                let short = Int(fields[2])
            else { return nil }
            // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
            let thisYear = Calendar(identifier: .gregorian).component(.year, from: now)
            var year = thisYear / 100 * 100 + short
            if year > thisYear + 50 { year -= 100 }
            return date(year: year, month: fields[1], day: day, time: parts[2])
        case 5:
            // asctime: the day padded with a space, which splitting took away.
            guard let day = Int(parts[2]), let year = Int(parts[4]) else { return nil }
            return date(year: year, month: parts[1], day: day, time: parts[3])
        default:
            return nil
        }
    }

    private static func date(year: Int, month monthName: Substring, day: Int, time: Substring) -> Date? {
        guard let month = months.firstIndex(of: String(monthName)) else { return nil }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        let numbers = clock.compactMap { $0.count == 2 ? Int($0) : nil }
        // Out of range is no date (the calendar would roll 30 Feb into March): the header is
        // ignored, as RFC 9110 says an invalid one must be.
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
        guard numbers.count == 3, clock.count == 3, (1...monthDays).contains(day), (1000...9999).contains(year),
            (0...23).contains(numbers[0]), (0...59).contains(numbers[1]), (0...60).contains(numbers[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        return calendar.date(
            from: DateComponents(
                year: year,
                month: month + 1,
                day: day,
                hour: numbers[0],
                minute: numbers[1],
                second: numbers[2]
            )
        )
    }
}
