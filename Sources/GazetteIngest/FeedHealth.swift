import Foundation

/// When to fetch a failing feed again: exponential backoff from `baseDelay`, capped at
/// `maxDelay`, or later if the server asked (Retry-After); disabled after `disableAfter`
/// failures in a row, until a manual retry succeeds.
public struct FeedHealthPolicy: Sendable {
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    public var disableAfter: Int

    public init(baseDelay: TimeInterval = 15 * 60, maxDelay: TimeInterval = 24 * 3_600, disableAfter: Int = 10) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.disableAfter = disableAfter
    }

    /// The earliest next attempt after the `failures`-th failure in a row at `now`.
    public func nextAttempt(afterFailures failures: Int, at now: Date, retryAfter: Date? = nil) -> Date {
        let exponent = Double(max(0, min(failures - 1, 30)))
        let backoff = now.addingTimeInterval(min(maxDelay, baseDelay * pow(2, exponent)))
        // A server's Retry-After is honoured, but never beyond the cap: a hostile value cannot
        // silence a feed for a year.
        guard let retryAfter else { return backoff }
        return max(backoff, min(retryAfter, now.addingTimeInterval(maxDelay)))
    }

    public func isDisabled(afterFailures failures: Int) -> Bool {
        failures >= disableAfter
    }
}

/// Parses a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
public enum RetryAfter {
    public static func date(from header: String?, now: Date) -> Date? {
        guard let value = header?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return now.addingTimeInterval(TimeInterval(seconds)) }
        return FeedDate.parse(value)
    }
}
