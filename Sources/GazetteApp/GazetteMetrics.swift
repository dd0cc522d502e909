import CoreMetrics
import GazetteCore
import Prometheus
import Synchronization

/// What `/metrics` shows, in Prometheus's text format: swift-metrics counters, meters and timers
/// made by a Prometheus factory. Each Gazette has its own registry (tests run many side by side),
/// so nothing is bootstrapped process-wide; everything in one process (the daemon's loops and
/// its server) shares one.
public struct GazetteMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// One counter per route and status, made once: making a counter asks the registry under
    /// its lock, which a request to a cached feed should not pay every time.
    private let httpCounters = HTTPCounters()
    /// Made once too: a send records every message, and asking the registry each time was 2%
    /// of a send's CPU.
    private let deliveryCounters: [String: CoreMetrics.Counter]
    private let smtpTransactionTimer: CoreMetrics.Timer

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // An SMTP transaction takes milliseconds on loopback and seconds to a slow relay.
        factory.durationHistogramBuckets["gazette_smtp_transaction_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        self.factory = factory
        deliveryCounters = Dictionary(
            uniqueKeysWithValues: ["delivered", "deferred", "failed"].map { result in
                (result, Counter(label: "gazette_deliveries_total", dimensions: [("result", result)], factory: factory))
            }
        )
        smtpTransactionTimer = Timer(label: "gazette_smtp_transaction_seconds", factory: factory)
    }

    /// One feed fetched: `stored`, `not_modified` (a 304) or `failed`. A feed skipped while it
    /// backs off was not fetched, and is not counted.
    func feedFetched(_ outcome: FeedReport.Outcome) {
        let result: String
        switch outcome {
        case .stored(let new, let updated, _, _):
            result = "stored"
            Counter(label: "gazette_articles_total", dimensions: [("change", "new")], factory: factory)
                .increment(by: new)
            Counter(label: "gazette_articles_total", dimensions: [("change", "updated")], factory: factory)
                .increment(by: updated)
        case .notModified: result = "not_modified"
        case .skipped: return
        case .failed: result = "failed"
        }
        Counter(label: "gazette_feed_fetches_total", dimensions: [("result", result)], factory: factory).increment()
    }

    /// How many stories the recent articles form, after each clustering.
    func storiesFormed(_ count: Int) {
        Meter(label: "gazette_stories", factory: factory).set(count)
    }

    /// One edition made (rendered and put in the ledger).
    func editionMade() {
        Counter(label: "gazette_editions_total", factory: factory).increment()
    }

    /// One delivery attempt's result (`delivered`, `deferred`, `failed`) and how long the SMTP
    /// transaction (or the outbox write) took, from the first command to the last reply.
    func delivery(_ result: Delivery.Status, took duration: Duration) {
        deliveryCounters[result.rawValue]?.increment()
        smtpTransactionTimer.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        )
    }

    /// One HTTP response, by route pattern (not path: tokens stay out of the metrics) and status.
    public func httpResponse(route: String, status: Int) {
        httpCounters.counter(route: route, status: status) {
            Counter(
                label: "gazette_http_requests_total",
                dimensions: [("route", route), ("status", String(status))],
                factory: factory
            )
        }.increment()
    }

    /// The registry in Prometheus's text exposition format.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// The HTTP response counters made so far, by route pattern and status (a bounded set: routes
/// are the router's patterns, statuses a handful).
private final class HTTPCounters: Sendable {
    private struct Key: Hashable {
        var route: String
        var status: Int
    }

    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])

    func counter(route: String, status: Int, make: () -> CoreMetrics.Counter) -> CoreMetrics.Counter {
        counters.withLock { counters in
            let key = Key(route: route, status: status)
            if let counter = counters[key] { return counter }
            let counter = make()
            counters[key] = counter
            return counter
        }
    }
}
