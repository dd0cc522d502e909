import Foundation

/// Date formats of the mail and feed standards, always in UTC, independent of the locale.
enum RFCDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 / RFC 822: `Sun, 29 Nov 2026 07:00:00 +0000`.
    static func rfc822(_ date: Date) -> String {
        let c = components(date)
        return "\(weekdays[c.weekday - 1]), \(pad(c.day)) \(months[c.month - 1]) \(c.year) "
            + "\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)) +0000"
    }

    /// RFC 3339: `2026-11-29T07:00:00Z`.
    static func rfc3339(_ date: Date) -> String {
        let c = components(date)
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))Z"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// The UTC calendar fields of `date` (its second rounded down), by arithmetic on the days
    /// since 1970 (Howard Hinnant's `civil_from_days`), not a `Calendar`: making one per date
    /// was a few percent of a digest's whole rendering.
    static func components(
        _ date: Date
    ) -> (
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int
    ) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        // Days from 0000-03-01, in 400-year eras of 146,097 days; March first, so that the leap
        // day is the last day of a year.
        let shifted = days + 719_468
        let era = floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday: weekday 5, counting Sunday as 1.
        let weekday = floorDivision(days + 4, 7).remainder + 1
        return (year, month, day, secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60, weekday)
    }

    private static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = (value % divisor + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}
