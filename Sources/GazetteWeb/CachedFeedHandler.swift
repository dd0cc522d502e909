import Foundation
import GazetteApp
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers a poll of a feed that is already cached on the connection's own event loop, the
/// way the router would (`FeedReply`), and passes every other request on to the router.
///
/// Hummingbird hands each request to a task on Swift's global executor and the response back
/// to the event loop: two thread switches, several allocations and an async sequence per
/// request, many times the cost of a cache lookup (bench/serve). A cached poll is what feed
/// readers send all day, so it is answered here; a miss, a feed whose cache is due for its
/// version check, and anything that is not a plain GET or HEAD of `/feeds/…` go the usual way.
final class CachedFeedHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The route pattern the router counts feed responses under, so metrics are the same
    /// whichever path answered.
    static let route = "/feeds/**"

    private let cache: FeedCache
    private let serverName: String
    private let answered: @Sendable (HTTPResponse.Status) -> Void

    /// Where the request being read goes: its body and end follow its head.
    private enum Reading {
        case passingOn
        case answering(FeedReply)
    }
    private var reading = Reading.passingOn
    /// Requests passed on to the router whose response has not ended. While there is one, a
    /// later request is passed on too: HTTP/1.1 answers in order, and the router answers later.
    private var passedOn = 0
    /// A request asked to close the connection: the router closes it, and nothing after that
    /// request is answered here (RFC 9112, 9.6).
    private var closing = false
    private var dateHeader = (second: Int.min, text: "")

    /// - Parameter answered: called with the status of every response given here.
    init(cache: FeedCache, serverName: String, answered: @escaping @Sendable (HTTPResponse.Status) -> Void) {
        self.cache = cache
        self.serverName = serverName
        self.answered = answered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            // A client that sends and does not read fills the outbound buffer: its requests go
            // to the router then, whose inbound buffer stops reading from the socket when full.
            if passedOn == 0, !closing, context.channel.isWritable, let reply = reply(to: request) {
                reading = .answering(reply)
                return
            }
            if !Self.keepsAlive(request.headerFields[.connection]) { closing = true }
            passedOn += 1
            reading = .passingOn
        case .body:
            if case .answering = reading { return }
        case .end:
            if case .answering(let reply) = reading {
                reading = .passingOn
                write(reply, context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The router also answers what it was not passed, a request it could not parse (400).
        if case .end = unwrapOutboundIn(data), passedOn > 0 { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    /// The reply to `request` from the cache, or nil when the router should answer it.
    private func reply(to request: HTTPRequest) -> FeedReply? {
        guard request.method == .get || request.method == .head,
            // Closing, upgrades and interim responses are the router's business.
            Self.keepsAlive(request.headerFields[.connection]), request.headerFields[.expect] == nil,
            let key = request.path.flatMap(Self.feedKey), let entry = cache.fresh(key)
        else { return nil }
        return FeedReply(entry, requestHeaders: request.headerFields, head: request.method == .head)
    }

    /// Whether a Connection header asks for nothing but the default, a connection kept open.
    static func keepsAlive(_ connection: String?) -> Bool {
        guard let connection else { return true }
        return connection.split(separator: ",").allSatisfy {
            $0.trimmingCharacters(in: .whitespaces).lowercased() == "keep-alive"
        }
    }

    /// The cache key of a feed path, as the router's `feeds/**` route makes it: the segments
    /// after `/feeds/`, query dropped. Nil for a path whose segments the router might read
    /// otherwise (empty, dot segments, percent-encoded or unusual characters): it answers those.
    static func feedKey(_ path: String) -> String? {
        var utf8 = path.utf8[...]
        guard utf8.starts(with: "/feeds/".utf8) else { return nil }
        utf8 = utf8.dropFirst(7)
        if let query = utf8.firstIndex(of: UInt8(ascii: "?")) { utf8 = utf8[..<query] }
        var segmentLength = 0
        var segmentIsDots = true
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "/"):
                guard segmentLength > 0, !segmentIsDots else { return nil }
                segmentLength = 0
                segmentIsDots = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                segmentLength += 1
                segmentIsDots = false
            case UInt8(ascii: "."):
                segmentLength += 1
            default:
                return nil
            }
        }
        guard segmentLength > 0, !segmentIsDots else { return nil }
        return String(Substring(utf8))
    }

    private func write(_ reply: FeedReply, context: ChannelHandlerContext) {
        // Counted before it is written: once flushed, the client may read the answer (and look
        // at the count) before this thread runs again.
        answered(reply.status)
        var headers = reply.headers
        headers[.date] = currentDate()
        headers[.server] = serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: headers))), promise: nil)
        if let body = reply.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The Date header, formatted once a second per connection.
    private func currentDate() -> String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        if second != dateHeader.second { dateHeader = (second, HTTPDate.format(now)) }
        return dateHeader.text
    }
}
