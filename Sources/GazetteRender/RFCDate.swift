import Foundation
import GazetteCore

/// Date formats of the mail and feed standards, always in UTC, independent of the locale.
enum RFCDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 / RFC 822: `Sun, 29 Nov 2026 07:00:00 +0000`.
    static func rfc822(_ date: Date) -> String {
        let c = UTCFields(date)
        return "\(weekdays[c.weekday - 1]), \(pad(c.day)) \(months[c.month - 1]) \(c.year) "
            + "\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)) +0000"
    }

    /// RFC 3339: `2026-11-29T07:00:00Z`.
    static func rfc3339(_ date: Date) -> String {
        let c = UTCFields(date)
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))Z"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
