import Foundation
import GazetteCore
import GazetteStore

/// One configured feed's health, for `gazette sources`.
public struct FeedStatus: Sendable {
    public enum Health: Sendable, Equatable {
        case new
        case ok
        case failing(Int)
        case backingOff(until: Date, failures: Int)
        case disabled(failures: Int)
    }

    public var sourceID: String
    public var sourceName: String
    public var url: String
    public var health: Health
    public var lastSuccessAt: Date?
    public var lastError: String?
    /// Articles of the feed's source first seen in the last 24 hours.
    public var articlesLastDay: Int
}

extension Gazette {
    /// Every configured feed with its state, in configuration order.
    public func feedStatuses() async throws -> [FeedStatus] {
        let date = now()
        let states = Dictionary(try await store.allFeedStates().map { ($0.url, $0) }) { first, _ in first }
        let counts = try await store.articleCountsBySource(fetchedSince: date.addingTimeInterval(-86_400))
        return configuration.sources.flatMap { source in
            source.feeds.map { url in
                let state = states[url]
                return FeedStatus(
                    sourceID: source.id,
                    sourceName: source.name,
                    url: url,
                    health: Self.health(of: state, at: date),
                    lastSuccessAt: state?.lastSuccessAt,
                    lastError: state?.lastError,
                    articlesLastDay: counts[source.id, default: 0]
                )
            }
        }
    }

    static func health(of state: FeedState?, at date: Date) -> FeedStatus.Health {
        guard let state, state.lastFetchedAt != nil else { return .new }
        if state.disabled { return .disabled(failures: state.consecutiveFailures) }
        if let next = state.nextAttemptAt, next > date {
            return .backingOff(until: next, failures: state.consecutiveFailures)
        }
        return state.consecutiveFailures == 0 ? .ok : .failing(state.consecutiveFailures)
    }
}
