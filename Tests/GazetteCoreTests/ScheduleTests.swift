import Foundation
import GazetteCore
import Testing

/// The schedule on a simulated clock: weeks of minutes in milliseconds, across both daylight
/// saving changes, in zones with whole, half and quarter-hour offsets.
@Suite("Schedule")
struct ScheduleTests {
    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func subscription(
        _ zone: String,
        hour: Int,
        frequency: Subscription.Frequency = .daily,
        weekday: Int = 1
    )
        -> Subscription
    {
        Subscription(
            id: 1,
            subscriberID: 1,
            countries: [Country(code: "DE")!],
            frequency: frequency,
            sendHour: hour,
            weekday: weekday,
            timeZone: TimeZone(identifier: zone)!
        )
    }

    /// What a scheduler that looks at the clock every `step` sees: the editions it would start,
    /// each once, at the first tick at or after its due instant. `clock` may jump.
    static func simulate(_ subscription: Subscription, ticks: [Date]) -> [Schedule.Due] {
        let schedule = Schedule(subscription)
        var started: [Schedule.Due] = []
        var periods: Set<String> = []
        for tick in ticks {
            guard let due = schedule.latestDue(atOrBefore: tick), due.instant >= ticks[0] else { continue }
            if periods.insert(due.period).inserted { started.append(due) }
        }
        return started
    }

    /// A tick every five minutes: every due time is on the hour, so a tick falls on each.
    static func minutes(from start: Date, days: Int) -> [Date] {
        (0..<(days * 24 * 12)).map { start.addingTimeInterval(Double($0) * 300) }
    }

    @Test(
        "Tokyo, Berlin, New York, Kolkata (+05:30) and Kathmandu (+05:45) at 07:00: one edition a day at 07:00 local, 14 days around each DST change",
        arguments: ["2026-03-02T00:00:00Z", "2026-03-23T00:00:00Z", "2026-10-19T00:00:00Z"]
    )
    func dailyAcrossDST(start: String) {
        for zone in ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"] {
            let subscription = Self.subscription(zone, hour: 7)
            let started = Self.simulate(subscription, ticks: Self.minutes(from: Self.utc(start), days: 14))
            #expect(started.count == 14, "\(zone) from \(start): \(started.map(\.period))")
            #expect(Set(started.map(\.period)).count == started.count, "one edition per day")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = subscription.timeZone
            for due in started {
                let local = calendar.dateComponents([.hour, .minute], from: due.instant)
                #expect(local.hour == 7 && local.minute == 0, "\(zone) \(due.period): \(due.instant)")
            }
        }
    }

    @Test("an hour that does not exist is sent at the first hour after the gap; an hour that happens twice, once")
    func gapsAndRepeats() {
        let cases: [(zone: String, hour: Int, day: String, expected: String)] = [
            ("Europe/Berlin", 2, "2026-03-29", "2026-03-29T01:00:00Z"),  // 02:00 CET is skipped: 03:00 CEST
            ("America/New_York", 2, "2026-03-08", "2026-03-08T07:00:00Z"),  // 02:00 EST is skipped: 03:00 EDT
            ("Europe/Berlin", 2, "2026-10-25", "2026-10-25T00:00:00Z"),  // 02:00 twice: the first, CEST
            ("America/New_York", 1, "2026-11-01", "2026-11-01T05:00:00Z"),  // 01:00 twice: the first, EDT
        ]
        for item in cases {
            let subscription = Self.subscription(item.zone, hour: item.hour)
            let start = Self.utc(item.day + "T00:00:00Z").addingTimeInterval(-86_400)
            let started = Self.simulate(subscription, ticks: Self.minutes(from: start, days: 3))
            let that = started.filter { $0.period == item.day }
            #expect(that.count == 1, "\(item.zone) \(item.day): \(started)")
            #expect(that.first?.instant == Self.utc(item.expected), "\(item.zone) \(item.day)")
            #expect(started.count == 3, "the days around it are whole too")
        }
    }

    @Test("a wall clock that jumps back over a due time or forward past one neither doubles nor drops an edition")
    func clockJumps() {
        let subscription = Self.subscription("Europe/Berlin", hour: 7)
        let day = Self.utc("2026-06-10T00:00:00Z")
        // 05:00 UTC is 07:00 in Berlin. Ticks: past the due time, back two hours, forward again.
        let back = [4.0, 5.5, 3.5, 4.5, 5.0, 5.5, 6.0].map { day.addingTimeInterval($0 * 3_600) }
        #expect(Self.simulate(subscription, ticks: back).count == 1)
        // A jump from 04:00 to 09:00 UTC (06:00 to 11:00 in Berlin) skips no edition.
        let forward = [4.0, 9.0, 9.5].map { day.addingTimeInterval($0 * 3_600) }
        let started = Self.simulate(subscription, ticks: forward)
        #expect(started.map(\.instant) == [day.addingTimeInterval(5 * 3_600)])
    }

    @Test("weekdays-only and weekly schedules, and the periods that name their editions")
    func otherFrequencies() {
        let ticks = Self.minutes(from: Self.utc("2026-11-30T00:00:00Z"), days: 14)  // a Monday
        let weekdays = Self.simulate(Self.subscription("Asia/Tokyo", hour: 7, frequency: .weekdays), ticks: ticks)
        #expect(weekdays.count == 10)
        #expect(!weekdays.map(\.period).contains("2026-12-05") && !weekdays.map(\.period).contains("2026-12-06"))
        let weekly = Self.simulate(
            Self.subscription("America/New_York", hour: 18, frequency: .weekly, weekday: 3),
            ticks: ticks
        )
        #expect(weekly.map(\.period) == ["2026-W49", "2026-W50"])
        #expect(weekly.first?.instant == Self.utc("2026-12-02T23:00:00Z"), "Wednesday 18:00 EST")
    }

    @Test("gazette schedule's listing: every edition due in a window, in order")
    func listing() {
        let schedule = Schedule(Self.subscription("Asia/Kathmandu", hour: 7))
        let dues = schedule.dues(from: Self.utc("2026-11-29T00:00:00Z"), to: Self.utc("2026-12-02T00:00:00Z"))
        #expect(dues.map(\.instant) == ["2026-11-29", "2026-11-30", "2026-12-01"].map { Self.utc($0 + "T01:15:00Z") })
        #expect(dues.map(\.period) == ["2026-11-29", "2026-11-30", "2026-12-01"])
    }

    @Test("150 feeds every 30 minutes: each fetched once per interval, five or so a minute, never a burst")
    func feedCadence() {
        let urls = (0..<150).map { "https://outlet\($0).example/feed.xml" }
        let interval: TimeInterval = 30 * 60
        let start = Self.utc("2026-11-29T00:00:00Z")
        var lastFetched: [String: Date] = Dictionary(uniqueKeysWithValues: urls.map { ($0, start) })
        var fetchesPerMinute: [Int] = []
        var fetches: [String: Int] = [:]
        for minute in 1...60 {
            let now = start.addingTimeInterval(Double(minute) * 60)
            let due = urls.filter {
                FeedCadence.isDue(url: $0, lastFetchedAt: lastFetched[$0], interval: interval, now: now)
            }
            for url in due {
                lastFetched[url] = now
                fetches[url, default: 0] += 1
            }
            fetchesPerMinute.append(due.count)
        }
        #expect(fetches.values.allSatisfy { $0 == 2 }, "each feed twice in an hour")
        #expect(fetches.count == 150)
        #expect(fetchesPerMinute.max()! <= 15, "spread over the interval: \(fetchesPerMinute)")
        #expect(FeedCadence.isDue(url: urls[0], lastFetchedAt: nil, interval: interval, now: start), "never fetched")
    }

    @Test("a clock set back a year: feeds are due again at once, not when it catches up with the last fetch")
    func feedCadenceAfterClockSetBack() {
        let url = "https://outlet.example/feed.xml"
        let interval: TimeInterval = 30 * 60
        let fetchedInTheFuture = Self.utc("2027-11-29T00:00:00Z")
        let now = Self.utc("2026-11-29T00:00:00Z")
        #expect(FeedCadence.isDue(url: url, lastFetchedAt: fetchedInTheFuture, interval: interval, now: now))
        // Fetched again now, it is on its usual cadence: not due again in the same interval.
        #expect(!FeedCadence.isDue(url: url, lastFetchedAt: now, interval: interval, now: now.addingTimeInterval(1)))
    }
}
