import Foundation
import Synchronization

/// A token bucket per client: `perHour` requests at once, then one more every `3600 / perHour`
/// seconds. In memory, so it resets when the server restarts; a lock, not an actor, as it sits
/// on the request path.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let capacity: Double
    private let perSecond: Double
    /// How many clients are remembered: a flood of addresses cannot grow memory without bound.
    private let maxClients: Int

    init(perHour: Int, maxClients: Int = 50_000) {
        capacity = Double(perHour)
        perSecond = Double(perHour) / 3_600
        self.maxClients = maxClients
    }

    /// Takes one request from `client`'s bucket: nil when allowed, otherwise the seconds until
    /// the next one would be.
    func take(_ client: String, now: Date) -> TimeInterval? {
        buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * perSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[client] = bucket
                return (1 - bucket.tokens) / perSecond
            }
            bucket.tokens -= 1
            if buckets[client] == nil, buckets.count >= maxClients { forgetRefilled(&buckets, now: now) }
            buckets[client] = bucket
            return nil
        }
    }

    /// Drops the buckets that have refilled (the same as no bucket); if that frees nothing, the
    /// oldest half. Only reached when `maxClients` addresses are remembered at once.
    private func forgetRefilled(_ buckets: inout [String: Bucket], now: Date) {
        let refillTime = capacity / perSecond
        buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < refillTime }
        if buckets.count >= maxClients {
            let newest = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(maxClients / 2)
            buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }

    var rememberedClients: Int { buckets.withLock { $0.count } }
}
