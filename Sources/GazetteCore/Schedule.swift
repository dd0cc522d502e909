import Foundation

/// When a subscription's editions fall due, in its own time zone: the same code answers the
/// scheduler ("what is due now?") and `gazette schedule` ("what will be due then?").
///
/// An edition falls due at the first instant of its local day at or after the send hour. On the
/// spring-forward day an hour that does not exist becomes the first hour after the gap; on the
/// fall-back day an hour that happens twice counts once, at its first occurrence. Each edition
/// is named by its period (the local date, or the ISO week for weekly digests), and the store
/// keeps one edition per subscription and period, so a clock jumping back cannot double one.
public struct Schedule: Sendable {
    /// One edition's due time.
    public struct Due: Hashable, Sendable {
        public var period: String
        public var instant: Date

        public init(period: String, instant: Date) {
            self.period = period
            self.instant = instant
        }
    }

    public let subscription: Subscription
    private let calendar: Calendar

    public init(_ subscription: Subscription) {
        self.subscription = subscription
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = subscription.timeZone
        self.calendar = calendar
    }

    /// The latest edition due at or before `date`, if one fell due in the last `lookBack` days.
    public func latestDue(atOrBefore date: Date, lookBack days: Int = 8) -> Due? {
        let today = calendar.startOfDay(for: date)
        for back in 0...days {
            guard let day = calendar.date(byAdding: .day, value: -back, to: today),
                let due = due(onDayStarting: day), due.instant <= date
            else { continue }
            return due
        }
        return nil
    }

    /// Every edition due in `[from, to)`, in order.
    public func dues(from: Date, to: Date) -> [Due] {
        var result: [Due] = []
        var day = calendar.startOfDay(for: from)
        while day < to {
            if let due = due(onDayStarting: day), due.instant >= from, due.instant < to { result.append(due) }
            // startOfDay again: where midnight does not exist, the day starts at 01:00.
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = calendar.startOfDay(for: next)
        }
        return result
    }

    /// The edition due on the local day that starts at `day`, if one is due that day.
    func due(onDayStarting day: Date) -> Due? {
        let weekday = calendar.component(.weekday, from: day)  // 1 Sunday … 7 Saturday
        let isoWeekday = weekday == 1 ? 7 : weekday - 1
        switch subscription.frequency {
        case .daily: break
        case .weekdays where isoWeekday <= 5: break
        case .weekly where isoWeekday == subscription.weekday: break
        default: return nil
        }
        // The first instant at or after the send hour that day: .nextTime moves an hour that
        // does not exist past the gap; .first takes the first of an hour that happens twice.
        guard
            let instant = calendar.nextDate(
                after: day.addingTimeInterval(-1),
                matching: DateComponents(hour: subscription.sendHour, minute: 0, second: 0),
                matchingPolicy: .nextTime,
                repeatedTimePolicy: .first,
                direction: .forward
            ), calendar.isDate(instant, inSameDayAs: day)
        else { return nil }
        return Due(period: period(of: day), instant: instant)
    }

    /// `2026-11-29` for daily digests, `2026-W48` for weekly ones: (subscription, period) names
    /// an edition.
    public func period(of date: Date) -> String {
        switch subscription.frequency {
        case .daily, .weekdays:
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return "\(Self.digits(c.year!, 4))-\(Self.digits(c.month!, 2))-\(Self.digits(c.day!, 2))"
        case .weekly:
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return "\(Self.digits(c.yearForWeekOfYear!, 4))-W\(Self.digits(c.weekOfYear!, 2))"
        }
    }

    /// `value` zero-padded to `width` digits, as `%0*d` would (not `String(format:)`, which
    /// cost more than the rest of a digest's period).
    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count - (value < 0 ? 1 : 0)))
            + text
    }
}
