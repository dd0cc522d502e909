import Curl
import Foundation
import GazetteCore

/// The outcome of fetching one feed URL.
public enum FeedFetchResult: Sendable {
    /// The server said 304: nothing changed since the validators were stored.
    case notModified
    case fetched(body: Data, validators: HTTPValidators)
}

/// Why a feed could not be fetched, naming the URL.
public struct FeedFetchError: Error, CustomStringConvertible {
    public var url: String
    public var reason: String
    /// When the server asked to be left alone until (429 or 503 with Retry-After).
    public var retryAfter: Date?

    public init(url: String, reason: String, retryAfter: Date? = nil) {
        self.url = url
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public var description: String { "feed \(url): \(reason)" }
}

/// Fetches feeds over http(s) (and `file:` for samples when allowed) with conditional GETs.
public struct FeedFetcher: Sendable {
    let client: HTTPClient

    public init(configuration: GazetteConfiguration.Ingest) {
        client = HTTPClient(
            limits: HTTPFetchLimits(
                connectTimeoutSeconds: min(10, configuration.timeoutSeconds),
                totalTimeoutSeconds: configuration.timeoutSeconds,
                maxBodyBytes: configuration.maxFeedBytes,
                allowFileScheme: configuration.allowFileURLs
            )
        )
    }

    public func fetch(
        _ url: String,
        validators: HTTPValidators,
        now: Date = Date()
    ) async throws(FeedFetchError)
        -> FeedFetchResult
    {
        let response: HTTPResponse
        do {
            response = try await client.get(url, validators: validators)
        } catch {
            throw FeedFetchError(url: url, reason: "\(error)")
        }
        switch response.status {
        case 304:
            return .notModified
        case 200, 203, 0:  // 0: a file: URL, which has no status
            return .fetched(body: response.body, validators: response.validators)
        case 429, 503:
            let retryAfter = RetryAfter.date(from: response.headers["retry-after"], now: now)
            let note = retryAfter.map { " (Retry-After until \($0.formatted(.iso8601)))" } ?? ""
            throw FeedFetchError(url: url, reason: "HTTP status \(response.status)\(note)", retryAfter: retryAfter)
        default:
            throw FeedFetchError(url: url, reason: "HTTP status \(response.status)")
        }
    }
}
