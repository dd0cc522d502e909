import Foundation

/// The UTC calendar fields of an instant, by arithmetic on the days since 1970 (Howard
/// Hinnant's `civil_from_days`), not a `Calendar` or a `DateFormatter`: making a date's text
/// for a mail header, a feed or a stored row is on the path of every message, and on Linux
/// either of those costs microseconds each time.
public struct UTCFields: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 1 for Sunday … 7 for Saturday.
    public var weekday: Int

    /// The fields of the second `secondsSince1970` (any whole second, before 1970 too).
    public init(secondsSince1970 seconds: Int) {
        let (days, secondOfDay) = Self.floorDivision(seconds, 86_400)
        // Days from 0000-03-01, in 400-year eras of 146,097 days; March first, so that the leap
        // day is the last day of a year.
        let shifted = days + 719_468
        let era = Self.floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
        second = secondOfDay % 60
        // 1970-01-01 was a Thursday: weekday 5, counting Sunday as 1.
        weekday = Self.floorDivision(days + 4, 7).remainder + 1
    }

    /// The fields of `date`, its second rounded down.
    public init(_ date: Date) {
        self.init(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The quotient rounded down and a remainder that is never negative.
    public static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = (value % divisor + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}
