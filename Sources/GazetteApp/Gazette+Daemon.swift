import Foundation
import GazetteCore
import GazetteMail
import GazetteStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// What one cycle did, for the one log line an operator reads per cycle.
public struct CycleCounts: Sendable, Equatable {
    public var fetched = 0
    public var notModified = 0
    public var feedsFailed = 0
    public var newArticles = 0
    /// Stories the new articles belong to (new stories and stories that gained a take).
    public var stories = 0
    /// Editions rendered and queued.
    public var editions = 0
    public var delivered = 0
    public var deferred = 0
    public var failed = 0
    public var skipped = 0

    public init() {}

    var metadata: Logger.Metadata {
        [
            "feeds.fetched": "\(fetched)", "feeds.not_modified": "\(notModified)", "feeds.failed": "\(feedsFailed)",
            "articles.new": "\(newArticles)", "stories": "\(stories)", "editions.queued": "\(editions)",
            "deliveries.delivered": "\(delivered)",
            "deliveries.deferred": "\(deferred)", "deliveries.failed": "\(failed)", "editions.skipped": "\(skipped)",
        ]
    }
}

extension Gazette {
    /// One ingest: every feed that is due (none started once `stopWhen` says so), then stories
    /// for what is new.
    public func ingestCycle(
        onlyDue: Bool = true,
        stopWhen: @escaping @Sendable () -> Bool = { false }
    ) async throws -> CycleCounts {
        var counts = CycleCounts()
        let start = now()
        for report in try await ingest(onlyDue: onlyDue, stopWhen: stopWhen) {
            switch report.outcome {
            case .stored(let new, _, _, _):
                counts.fetched += 1
                counts.newArticles += new
            case .notModified: counts.notModified += 1
            case .failed: counts.feedsFailed += 1
            case .skipped: break
            }
        }
        if counts.newArticles > 0 {
            let new = try await store.articles(
                matching: ArticleQuery(
                    since: .distantPast,
                    until: .distantFuture,
                    firstSeenSince: start,
                    limit: 100_000
                )
            )
            counts.stories = Set(new.map { $0.storyID ?? "a\($0.id ?? 0)" }).count
        }
        return counts
    }

    /// One delivery pass: editions that fell due are rendered and queued, and everything due in
    /// the ledger goes out.
    public func deliveryCycle(
        transport: any MailTransport,
        stopWhen: @escaping @Sendable () -> Bool = { false }
    ) async throws -> CycleCounts {
        var counts = CycleCounts()
        let start = now()
        for report in try await send(transport: transport, stopWhen: stopWhen) {
            switch report.outcome {
            case .attempted(.delivered, _, _): counts.delivered += 1
            case .attempted(.deferred, _, _): counts.deferred += 1
            case .attempted(.failed, _, _): counts.failed += 1
            case .skipped(_, recordedNow: true): counts.skipped += 1
            default: break
            }
        }
        // A count, not the editions: their rendered HTML has no business in a log line.
        counts.editions = try await store.ledgerCounts(createdSince: start).values.reduce(0, +)
        return counts
    }

    /// `gazette run`: the ingest loop and the delivery loop as one service group; SIGTERM or
    /// SIGINT lets the current steps finish (no new message starts; leased ones go back) and
    /// returns. `once`: one ingest and one delivery pass, then return (for cron).
    /// - Parameters:
    ///   - services: more services to run in the group (the HTTP server).
    ///   - afterCycle: called after each ingest or delivery cycle that changed something.
    public func runDaemon(
        once: Bool,
        transport: any MailTransport,
        services: [any Service] = [],
        afterCycle: @escaping @Sendable () async -> Void = {}
    ) async throws {
        guard let lock = try ProcessLock(path: configuration.database.path + ".run.lock") else {
            throw GazetteError(
                "another `gazette run` is already scheduling \(configuration.database.path); one per database"
            )
        }
        defer { withExtendedLifetime(lock) {} }
        if once {
            // One ingest before the delivery pass, so that it has today's news.
            var counts = try await ingestCycle()
            logger.info("ingest cycle", metadata: counts.metadata)
            let delivery = try await deliveryCycle(transport: transport)
            counts.delivered = delivery.delivered
            counts.deferred = delivery.deferred
            counts.failed = delivery.failed
            counts.skipped = delivery.skipped
            counts.editions = delivery.editions
            logger.info("cycle done", metadata: counts.metadata)
            return
        }
        // The first ingest runs inside the group, where SIGTERM and SIGINT are handled: one that
        // came before the group ran killed the process mid-ingest. The delivery loop waits for
        // it, so that its first pass has today's news.
        let (firstIngest, firstIngestOver) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(
            services: [
                IngestLoop(gazette: self, afterCycle: afterCycle, firstCycleOver: firstIngestOver),
                DeliveryLoop(gazette: self, transport: transport, afterCycle: afterCycle, firstIngest: firstIngest),
            ] + services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        logger.info("gazette run started", metadata: ["database.path": "\(configuration.database.path)"])
        try await group.run()
        logger.info("gazette run stopped")
    }
}

/// At once and then each minute, fetches the feeds whose moment in their interval has come
/// (`FeedCadence`), then forms stories; a failed cycle is logged and the next one comes as usual,
/// except the first: a store that fails at start-up ends `gazette run` with its error. A
/// graceful shutdown starts no more fetches. Once a day, prunes.
struct IngestLoop: Service {
    let gazette: Gazette
    let afterCycle: @Sendable () async -> Void
    /// Finished when the first cycle is over.
    let firstCycleOver: AsyncStream<Void>.Continuation

    func run() async throws {
        // Finished only when the cycle ended without an error: after an error the group is
        // cancelled, which ends the delivery loop's wait without a delivery pass.
        let first = try await gazette.ingestCycle { stopping() }
        firstCycleOver.finish()
        gazette.logger.info("ingest cycle", metadata: first.metadata)
        if first != CycleCounts() { await afterCycle() }
        var prunedAt: Date?
        while await pause(.seconds(60)) {
            do {
                let counts = try await gazette.ingestCycle { stopping() }
                if counts != CycleCounts() {
                    gazette.logger.info("ingest cycle", metadata: counts.metadata)
                    await afterCycle()
                }
            } catch {
                gazette.logger.error("ingest cycle failed", metadata: ["error": "\(error)"])
            }
            // Once a day (and in the first minute): what `retention` no longer keeps.
            let now = gazette.now()
            if prunedAt.map({ abs(now.timeIntervalSince($0)) >= 86_400 }) ?? true {
                prunedAt = now
                do {
                    _ = try await gazette.prune()
                } catch {
                    gazette.logger.error("prune failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// Queues and delivers what is due, at the start of every minute, from the end of the first ingest.
struct DeliveryLoop: Service {
    let gazette: Gazette
    let transport: any MailTransport
    let afterCycle: @Sendable () async -> Void
    /// Finishes when the ingest loop's first cycle is over (or the group is cancelled).
    let firstIngest: AsyncStream<Void>

    func run() async throws {
        // The wait gives way to a graceful shutdown too: the group stops this loop before the
        // ingest loop, and a wait that held on would hold the ingest loop's stop back.
        try? await cancelWhenGracefulShutdown { for await _ in firstIngest {} }
        while !stopping() {
            do {
                let counts = try await whileStoppable { stop in
                    try await gazette.deliveryCycle(transport: transport, stopWhen: stop)
                }
                if counts != CycleCounts() {
                    gazette.logger.info("delivery cycle", metadata: counts.metadata)
                    await afterCycle()
                }
            } catch {
                // A refused login or a TLS failure: said once a minute until the operator fixes it.
                gazette.logger.error("delivery cycle failed", metadata: ["error": "\(error)"])
            }
            let now = gazette.now()
            let nextMinute = (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
            let wait = Duration.milliseconds(Int((nextMinute - now.timeIntervalSince1970) * 1_000))
            guard await pause(wait) else { return }
        }
    }
}

/// Whether a daemon loop should stop: a graceful shutdown (SIGTERM, SIGINT), or cancellation,
/// which is how the service group ends the others when one fails (the web server's port taken).
/// Checking only the first, a loop whose sleep was cancelled went round again at once, for ever.
private func stopping() -> Bool {
    Task.isShuttingDownGracefully || Task.isCancelled
}

/// Runs `body` with a stop check that any thread may call: true once a graceful shutdown or a
/// cancellation has reached the calling task. `stopping()` reads the task it runs in, and the
/// delivery workers are threads of their own, outside any task: there it would always say no.
func whileStoppable<T>(_ body: (_ stop: @escaping @Sendable () -> Bool) async throws -> T) async rethrows -> T {
    let stopped = StopFlag()
    if stopping() { stopped.set() }
    return try await withGracefulShutdownHandler {
        try await withTaskCancellationHandler {
            try await body { stopped.isSet }
        } onCancel: {
            stopped.set()
        }
    } onGracefulShutdown: {
        stopped.set()
    }
}

/// A flag set once, read from any thread.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// Waits `duration`, or less when the loop must stop; whether it may go on.
private func pause(_ duration: Duration) async -> Bool {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    return !stopping()
}
