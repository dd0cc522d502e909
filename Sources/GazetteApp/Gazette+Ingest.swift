import Curl
import Foundation
import GazetteCore
import GazetteIngest
import GazetteStore
import Logging

/// What happened to one feed in one ingest run.
public struct FeedReport: Sendable {
    public enum Outcome: Sendable {
        case stored(new: Int, updated: Int, seen: Int, skipped: [String])
        case notModified
        /// Not fetched this time: backing off after failures, or disabled.
        case skipped(String)
        case failed(String)
    }

    public var sourceID: String
    public var url: String
    public var outcome: Outcome

    public var isFailure: Bool {
        if case .failed = outcome { return true }
        return false
    }
}

extension Gazette {
    private struct FeedJob: Sendable {
        var source: Source
        var url: String
        var host: String
    }

    /// Fetches, parses and stores every configured feed (or one source's). A feed that fails is
    /// reported and recorded in its feed state; the others go on, and nothing stored is touched.
    /// A store that fails ends the run with its error, the fetches under way finished first: a
    /// feed is not charged for it (charged, every feed would back off and end up disabled).
    /// Feeds that are backing off or disabled are skipped unless `retry` is set. With `onlyDue`
    /// (the daemon), a feed fetched earlier in its current interval is left alone and not reported.
    /// `progress` hears (feeds done, feeds in all) as each feed ends. Once `stopWhen` says so (the
    /// daemon stopping), no more fetches start; those under way finish, and the feeds not started
    /// are not reported: they are still due next time.
    public func ingest(
        sourceID: String? = nil,
        retry: Bool = false,
        onlyDue: Bool = false,
        progress: (@Sendable (Int, Int) -> Void)? = nil,
        stopWhen: @escaping @Sendable () -> Bool = { false }
    ) async throws -> [FeedReport] {
        let sources = configuration.sources.filter { sourceID == nil || $0.id == sourceID }
        if let sourceID, sources.isEmpty {
            throw GazetteError("no source with id \"\(sourceID)\" in the configuration")
        }
        var jobs = sources.flatMap { source in
            source.feeds.map { FeedJob(source: source, url: $0, host: FetchQueue<FeedJob>.host(of: $0)) }
        }
        if onlyDue {
            let lastFetched = Dictionary(
                try await store.allFeedStates().map { ($0.url, $0.lastFetchedAt) },
                uniquingKeysWith: { first, _ in first }
            )
            let date = now()
            jobs = jobs.filter { job in
                let minutes = job.source.intervalMinutes ?? configuration.scheduling.ingestIntervalMinutes
                return FeedCadence.isDue(
                    url: job.url,
                    lastFetchedAt: lastFetched[job.url] ?? nil,
                    interval: TimeInterval(minutes * 60),
                    now: date
                )
            }
        }
        let fetcher = FeedFetcher(configuration: configuration.ingest)
        var queue = FetchQueue(jobs, perHost: configuration.ingest.perHostConcurrency) { $0.host }
        var reports: [FeedReport] = []
        try await withThrowingTaskGroup(of: (FeedReport, String).self) { group in
            var running = 0
            func startWhatCan() {
                while running < configuration.ingest.concurrentFetches, !stopWhen(), let job = queue.next() {
                    running += 1
                    group.addTask {
                        (try await ingestFeed(job.url, of: job.source, fetcher: fetcher, retry: retry), job.host)
                    }
                }
            }
            startWhatCan()
            for try await (report, host) in group {
                running -= 1
                queue.finished(host: host)
                reports.append(report)
                progress?(reports.count, jobs.count)
                startWhatCan()
            }
        }
        // New or changed articles may join or start stories.
        let changed = reports.contains {
            if case .stored(let new, let updated, _, _) = $0.outcome { return new + updated > 0 }
            return false
        }
        if changed { try await updateStories() }
        // Report in configuration order, whatever order the fetches finished in.
        let order = Dictionary(jobs.enumerated().map { ($1.url, $0) }) { first, _ in first }
        return reports.sorted { order[$0.url, default: 0] < order[$1.url, default: 0] }
    }

    /// The feed's report; throws only for the store's failures, which are not the feed's.
    private func ingestFeed(
        _ url: String,
        of source: Source,
        fetcher: FeedFetcher,
        retry: Bool
    ) async throws -> FeedReport {
        let fetchedAt = now()
        let health = FeedHealthPolicy(disableAfter: configuration.ingest.disableAfterFailures)
        var state: FeedState
        do {
            state = try await store.feedState(url: url) ?? FeedState(url: url, sourceID: source.id)
        } catch {
            throw GazetteError("the store failed reading feed \(url): \(error)")
        }
        if !retry {
            if state.disabled {
                let reason = "disabled after \(state.consecutiveFailures) failures; retry with `gazette ingest --retry`"
                return FeedReport(sourceID: source.id, url: url, outcome: .skipped(reason))
            }
            if let next = state.nextAttemptAt, next > fetchedAt {
                let reason = "backing off until \(next.formatted(.iso8601)) after \(state.consecutiveFailures) failures"
                return FeedReport(sourceID: source.id, url: url, outcome: .skipped(reason))
            }
        }
        state.lastFetchedAt = fetchedAt
        let outcome: FeedReport.Outcome
        do {
            outcome = try await fetchAndStore(url, of: source, state: &state, fetcher: fetcher, fetchedAt: fetchedAt)
            state.lastSuccessAt = fetchedAt
            state.lastError = nil
            state.consecutiveFailures = 0
            state.nextAttemptAt = nil
            state.disabled = false
        } catch let error as FeedFetchError {
            state.lastError = "\(error)"
            state.consecutiveFailures += 1
            state.nextAttemptAt = health.nextAttempt(
                afterFailures: state.consecutiveFailures,
                at: fetchedAt,
                retryAfter: (error as? FeedFetchError)?.retryAfter
            )
            state.disabled = health.isDisabled(afterFailures: state.consecutiveFailures)
            outcome = .failed("\(error)")
        } catch {
            // The fetch and the parse throw FeedFetchError: anything else is the store's.
            throw GazetteError("the store failed saving feed \(url): \(error)")
        }
        do {
            try await store.saveFeedState(state)
        } catch {
            logger.error("cannot save feed state", metadata: ["feed.url": "\(url)", "error": "\(error)"])
        }
        log(outcome, url: url, sourceID: source.id)
        metrics.feedFetched(outcome)
        return FeedReport(sourceID: source.id, url: url, outcome: outcome)
    }

    /// One conditional GET; on a new body, parse, normalize and store. A 304 costs no parse and
    /// no article writes.
    private func fetchAndStore(
        _ url: String,
        of source: Source,
        state: inout FeedState,
        fetcher: FeedFetcher,
        fetchedAt: Date
    ) async throws -> FeedReport.Outcome {
        let result = try await fetcher.fetch(
            url,
            validators: HTTPValidators(etag: state.etag, lastModified: state.lastModified),
            now: fetchedAt
        )
        guard case .fetched(let body, let validators) = result else { return .notModified }
        // A large feed costs milliseconds of CPU to parse and normalize: on a thread of its own,
        // not on one of the cooperative pool's few, which meanwhile serve HTTP and the rest.
        let topicRules = configuration.topicRules
        let read = await BlockingQueue.run { () -> Result<(ArticleNormalizer.Articles, String?), FeedParseError> in
            do throws(FeedParseError) {
                let feed = try FeedParser.parse(body)
                let articles = ArticleNormalizer(topicRules: topicRules)
                    .articles(from: feed, source: source, feedURL: url, fetchedAt: fetchedAt)
                return .success((articles, feed.warning))
            } catch {
                return .failure(error)
            }
        }
        let normalized: ArticleNormalizer.Articles
        let recovered: Bool
        switch read {
        case .success(let (articles, warning)):
            normalized = articles
            recovered = warning != nil
            if let warning {
                logger.warning("feed not well-formed", metadata: ["feed.url": "\(url)", "reason": "\(warning)"])
            }
        case .failure(let error):
            throw FeedFetchError(url: url, reason: error.description)
        }
        // A body read in recovery mode (cut short by a failing server, or broken) adds the new
        // articles it holds but changes none already stored, and its validators are not kept:
        // the next fetch gets the whole feed again instead of a 304 that would keep this one.
        let counts = try await store.saveArticles(normalized.articles, existing: recovered ? .keep : .update)
        if !recovered {
            state.etag = validators.etag
            state.lastModified = validators.lastModified
        }
        return .stored(
            new: counts.new,
            updated: counts.updated,
            seen: normalized.articles.count,
            skipped: normalized.skipped
        )
    }

    private func log(_ outcome: FeedReport.Outcome, url: String, sourceID: String) {
        switch outcome {
        case .failed(let message):
            logger.error(
                "feed failed",
                metadata: ["feed.url": "\(url)", "source.id": "\(sourceID)", "error": "\(message)"]
            )
        case .stored(let new, let updated, let seen, let skipped):
            logger.info(
                "feed ingested",
                metadata: [
                    "feed.url": "\(url)", "articles.new": "\(new)", "articles.updated": "\(updated)",
                    "articles.seen": "\(seen)",
                ]
            )
            for reason in skipped {
                logger.warning("item skipped", metadata: ["feed.url": "\(url)", "reason": "\(reason)"])
            }
        case .notModified:
            logger.info("feed not modified", metadata: ["feed.url": "\(url)"])
        case .skipped(let reason):
            logger.info("feed skipped", metadata: ["feed.url": "\(url)", "reason": "\(reason)"])
        }
    }
}
