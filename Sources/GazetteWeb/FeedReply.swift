import Foundation
import Hummingbird
import NIOCore

/// The answer to a GET or HEAD of a cached feed: 304 when the client has these bytes, gzip when
/// it accepts it, no body for HEAD. Both the router and the event-loop fast path
/// (`CachedFeedHandler`) answer with this, so the two cannot drift apart.
struct FeedReply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    /// nil: the response has no body (304, HEAD).
    var body: ByteBuffer?

    init(_ entry: FeedCache.Entry, requestHeaders: HTTPFields, head: Bool) {
        headers = HTTPFields()
        headers.reserveCapacity(7)
        let gzipped = entry.gzippedBuffer.flatMap { Self.acceptsGzip(requestHeaders[.acceptEncoding]) ? $0 : nil }
        // The gzip bytes are another representation, and a strong tag names one byte sequence
        // (RFC 9110, 8.8.3): theirs is the weak form of the same tag, as nginx gives. If-None-Match
        // compares weakly, so a reader that kept either form gets its 304.
        headers[.eTag] = gzipped == nil ? entry.etag : "W/" + entry.etag
        headers[.lastModified] = entry.lastModifiedText
        headers[.cacheControl] = "public, max-age=300"
        headers[.vary] = "Accept-Encoding"
        let notModified: Bool
        if let tags = requestHeaders[.ifNoneMatch] {
            notModified = EntityTag.list(tags, matches: entry.etag)
        } else if let since = requestHeaders[.ifModifiedSince].flatMap { HTTPDate.parse($0) } {
            notModified = entry.lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        } else {
            notModified = false
        }
        if notModified {
            status = .notModified
            body = nil
            return
        }
        status = .ok
        headers[.contentType] = entry.contentType
        var bytes = entry.bodyBuffer
        if let gzipped {
            headers[.contentEncoding] = "gzip"
            bytes = gzipped
        }
        headers[.contentLength] = String(bytes.readableBytes)
        body = head ? nil : bytes
    }

    /// Whether an Accept-Encoding header takes gzip (RFC 9110 12.5.3): `gzip` or `x-gzip`, or
    /// else `*`, with a weight that is not zero.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var wildcard = false
        for item in header.lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first else { continue }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if coding == "gzip" || coding == "x-gzip" { return weight > 0 }
            if coding == "*" { wildcard = weight > 0 }
        }
        return wildcard
    }

    var response: Response {
        var response = Response(status: status, headers: headers, body: body.map { .init(byteBuffer: $0) } ?? .init())
        // Hummingbird gives an empty body `Content-Length: 0`; on a 304 that would claim the feed
        // is empty (RFC 9110, 8.6), so it goes, as it does on the fast path.
        if status == .notModified { response.headers[.contentLength] = nil }
        return response
    }
}
