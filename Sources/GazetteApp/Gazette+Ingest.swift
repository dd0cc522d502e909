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
    /// How many feeds are fetched at the same time.
    static let concurrentFetches = 8

    /// Fetches, parses and stores every configured feed (or one source's). A feed that fails is
    /// reported and recorded in its feed state; the others go on, and nothing stored is touched.
    public func ingest(sourceID: String? = nil) async throws -> [FeedReport] {
        let sources = configuration.sources.filter { sourceID == nil || $0.id == sourceID }
        if let sourceID, sources.isEmpty {
            throw GazetteError("no source with id \"\(sourceID)\" in the configuration")
        }
        let jobs = sources.flatMap { source in source.feeds.map { (source, $0) } }
        let fetcher = FeedFetcher(configuration: configuration.ingest)
        var reports: [FeedReport] = []
        await withTaskGroup(of: FeedReport.self) { group in
            var pending = jobs.makeIterator()
            for _ in 0..<Self.concurrentFetches {
                guard let (source, url) = pending.next() else { break }
                group.addTask { await ingestFeed(url, of: source, fetcher: fetcher) }
            }
            for await report in group {
                reports.append(report)
                if let (source, url) = pending.next() {
                    group.addTask { await ingestFeed(url, of: source, fetcher: fetcher) }
                }
            }
        }
        // Report in configuration order, whatever order the fetches finished in.
        let order = Dictionary(uniqueKeysWithValues: jobs.enumerated().map { ($1.1, $0) })
        return reports.sorted { order[$0.url, default: 0] < order[$1.url, default: 0] }
    }

    private func ingestFeed(_ url: String, of source: Source, fetcher: FeedFetcher) async -> FeedReport {
        let fetchedAt = now()
        var state: FeedState
        do {
            state = try await store.feedState(url: url) ?? FeedState(url: url, sourceID: source.id)
        } catch {
            return FeedReport(sourceID: source.id, url: url, outcome: .failed("feed \(url): store: \(error)"))
        }
        state.lastFetchedAt = fetchedAt
        let outcome: FeedReport.Outcome
        do {
            let result = try await fetcher.fetch(
                url,
                validators: HTTPValidators(etag: state.etag, lastModified: state.lastModified)
            )
            switch result {
            case .notModified:
                outcome = .notModified
            case .fetched(let body, let validators):
                let feed: ParsedFeed
                do {
                    feed = try FeedParser.parse(body)
                } catch {
                    throw FeedFetchError(url: url, reason: error.description)
                }
                let normalized = ArticleNormalizer().articles(
                    from: feed,
                    source: source,
                    feedURL: url,
                    fetchedAt: fetchedAt
                )
                let counts = try await store.saveArticles(normalized.articles)
                state.etag = validators.etag
                state.lastModified = validators.lastModified
                outcome = .stored(
                    new: counts.new,
                    updated: counts.updated,
                    seen: normalized.articles.count,
                    skipped: normalized.skipped
                )
            }
            state.lastSuccessAt = fetchedAt
            state.lastError = nil
            state.consecutiveFailures = 0
        } catch {
            let message = "\(error)"
            state.lastError = message
            state.consecutiveFailures += 1
            outcome = .failed(message)
        }
        do {
            try await store.saveFeedState(state)
        } catch {
            logger.error("cannot save feed state", metadata: ["feed.url": "\(url)", "error": "\(error)"])
        }
        switch outcome {
        case .failed(let message):
            logger.error(
                "feed failed",
                metadata: ["feed.url": "\(url)", "source.id": "\(source.id)", "error": "\(message)"]
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
        }
        return FeedReport(sourceID: source.id, url: url, outcome: outcome)
    }
}
