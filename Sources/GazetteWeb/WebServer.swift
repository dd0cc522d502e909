import Foundation
import GazetteApp
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Gazette's HTTP face: feeds that feed readers poll (cached, conditional GET, gzip, HEAD),
/// the OPML list, an edition's archive page, the unsubscribe page and its RFC 8058 one-click
/// POST, and `/healthz`.
public struct WebServer: Sendable {
    let gazette: Gazette
    let cache: FeedCache
    /// Where confirmation emails go out; nil: the sign-up form is closed.
    let transport: (any MailTransport)?
    /// Feed responses by status (200, 304, 404), for tests and, later, metrics.
    public let feedResponses = ResponseCounter()
    /// The part of `feedResponses` answered from the cache on the event loop (`CachedFeedHandler`).
    public let eventLoopFeedResponses = ResponseCounter()
    /// Form submissions per client address (sign-up, settings, confirmation).
    let formLimiter: RateLimiter
    /// Sign-ups under way after their answer was sent.
    let signups = BackgroundWork()

    /// - Parameter versionRecheck: how often the store is asked whether cached feeds are stale.
    public init(gazette: Gazette, transport: (any MailTransport)? = nil, versionRecheck: Duration = .seconds(5)) {
        self.gazette = gazette
        self.transport = transport
        formLimiter = RateLimiter(perHour: gazette.configuration.server.formPostsPerHourPerIP)
        let store = gazette.store
        cache = FeedCache(recheck: versionRecheck) { try await store.dataVersion() }
    }

    /// Waits for the sign-ups already answered to be carried out (their confirmation emails
    /// handed over): for a server that stops, and for tests.
    public func finishSignups() async {
        await signups.wait()
    }

    /// Forgets every rendered feed (after an ingest or a delivery cycle in the same process).
    public func invalidate() async {
        cache.invalidate()
    }

    static let serverName = "Gazette"

    /// The server on `host:port` (port 0: one the system chooses); a Service for a ServiceGroup.
    public func application(
        host: String,
        port: Int,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        let (cache, feedResponses, onLoop, metrics) = (cache, feedResponses, eventLoopFeedResponses, gazette.metrics)
        // Called for each new connection (the configuration's parameter is an autoclosure): a
        // handler keeps one connection's state. The polls it answers never reach Hummingbird's
        // HTTPConnectionStateHandler, so an idle timeout there would count such a connection idle:
        // none is set.
        let cachedFeeds: @Sendable () -> [any RemovableChannelHandler] = {
            [
                CachedFeedHandler(cache: cache, serverName: Self.serverName) { status in
                    feedResponses.count(Int(status.code))
                    onLoop.count(Int(status.code))
                    metrics.httpResponse(route: CachedFeedHandler.route, status: Int(status.code))
                }
            ]
        }
        return Application(
            router: router(),
            server: .http1(configuration: .init(additionalChannelHandlers: cachedFeeds())),
            configuration: .init(address: .hostname(host, port: port), serverName: Self.serverName),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: gazette.logger
        )
    }

    public func router() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: gazette.metrics))
        router.get("healthz") { _, _ in "ok\n" }
        router.get("metrics") { request, context in
            guard context.isLocalOperator(request) else {
                return page(.notFound, title: "Not found", ["Metrics are for this machine only."])
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok,
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: gazette.metrics.exposition()))
            )
        }
        router.get("/") { _, _ in subscribePage(.ok) }
        router.post("subscribe") { request, context in
            guard let transport else {
                return page(.serviceUnavailable, title: "Closed", ["Subscriptions are not open here."])
            }
            if let refusal = formRefusal(request, context) { return refusal }
            let form = FormData(try await request.body.collect(upTo: 16 * 1024))
            // A field people cannot see: only robots fill it. They get the usual answer, and nothing happens.
            if !(form.first("website") ?? "").isEmpty { return checkYourEmail() }
            let preferences: SubscriptionPreferences
            let email: EmailAddress
            switch parseSignup(form) {
            case .success(let parsed): (email, preferences) = parsed
            case .failure(let problem): return subscribePage(.badRequest, error: problem.message)
            }
            // The same answer, as fast, whether the address is new, pending or active: no
            // enumeration, by the page or by its timing. The sign-up goes on after it.
            signups.start { [gazette] in
                do {
                    let outcome = try await gazette.requestSubscription(
                        email,
                        preferences: preferences,
                        transport: transport
                    )
                    gazette.logger.info("sign-up", metadata: ["signup.outcome": "\(outcome)"])
                } catch {
                    gazette.logger.error("sign-up failed", metadata: ["error": "\(error)"])
                }
            }
            return checkYourEmail()
        }
        router.get("manage/:token") { _, context in
            try await linked(context, .manage, "This link is not valid.") { record, token in
                subscribePage(.ok, managing: record, token: token)
            }
        }
        router.post("manage/:token") { request, context in
            if let refusal = formRefusal(request, context) { return refusal }
            return try await linked(context, .manage, "This link is not valid.") { record, token in
                try await manage(record, token: token, form: FormData(try await request.body.collect(upTo: 16 * 1024)))
            }
        }
        router.get("confirm/:token") { _, context in
            try await linked(context, .confirm, "This confirmation link is not valid.") { record, token in
                switch record.subscriber.status {
                case .pending: break
                case .active:
                    return page(.ok, title: "Already confirmed", ["\(record.subscriber.email.value) is subscribed."])
                case .unsubscribed:
                    // An old link does not bring back an address that left: that needs a new sign-up.
                    return page(.notFound, title: "Not found", ["This confirmation link is not valid."])
                }
                // A GET confirms nothing: link scanners fetch it. The button POSTs.
                return page(
                    .ok,
                    title: "Confirm your subscription",
                    ["Send \(gazette.configuration.site.title)'s digest to \(record.subscriber.email.value)?"],
                    form: (action: "/confirm/\(token)", button: "Confirm")
                )
            }
        }
        router.post("confirm/:token") { request, context in
            if let refusal = formRefusal(request, context) { return refusal }
            let token = try context.parameters.require("token")
            switch try await gazette.confirmSubscription(token: token) {
            case .expired: return expiredPage()
            case .invalid:
                return page(.notFound, title: "Not found", ["This confirmation link is not valid."])
            case .found(let record):
                return page(
                    .ok,
                    title: "You are subscribed",
                    [
                        "\(record.subscriber.email.value) will get the digest of "
                            + "\(record.subscription.countries.map(\.name).joined(separator: ", ")).",
                        "Every digest has a link to unsubscribe.",
                    ]
                )
            }
        }
        router.get("feeds.opml") { request, _ in
            // Keyed with its slash: no `feeds/**` path gives that key (`/feeds/feeds.opml` is not the list).
            try await feedResponse("/feeds.opml", request: request, head: false) {
                .found(try await gazette.renderFeedList())
            }
        }
        for (method, head) in [(HTTPRequest.Method.get, false), (.head, true)] {
            router.on("feeds/**", method: method) { request, context in
                let path = context.parameters.getCatchAll().joined(separator: "/")
                return try await feedResponse(path, request: request, head: head) {
                    try await gazette.renderFeed(path: path)
                }
            }
        }
        router.get("archive/:key") { _, context in
            let key = try context.parameters.require("key")
            guard let edition = try await gazette.store.edition(key: key) else {
                return page(.notFound, title: "Not found", ["There is no edition at this address."])
            }
            guard edition.html != nil || !edition.text.isEmpty else {
                let days = gazette.configuration.retention.editionDays
                return page(.gone, title: "No longer kept", ["Editions are kept for \(days) days; this one is older."])
            }
            var headers = HTTPFields()
            headers[.cacheControl] = "private, max-age=3600"
            if let html = edition.html {
                headers[.contentType] = "text/html; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
            }
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: edition.text)))
        }
        router.get("unsubscribe/:token") { _, context in
            try await linked(context, .unsubscribe, "This unsubscribe link is not valid.") { record, token in
                // A GET never unsubscribes: mail scanners follow links. The button POSTs.
                page(
                    .ok,
                    title: "Unsubscribe",
                    ["Stop sending \(gazette.configuration.site.title)'s digest to \(record.subscriber.email.value)?"],
                    form: (action: "/unsubscribe/\(token)", button: "Unsubscribe")
                )
            }
        }
        router.post("unsubscribe/:token") { request, context in
            let body = try await request.body.collect(upTo: 64 * 1024)
            // RFC 8058: the one-click POST carries List-Unsubscribe=One-Click, urlencoded or as a
            // multipart field; the page's own form sends the same.
            let text = String(buffer: body)
            let oneClick =
                text.contains("List-Unsubscribe=One-Click")
                || (text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click"))
            guard oneClick else {
                return page(.badRequest, title: "Bad request", ["Expected List-Unsubscribe=One-Click."])
            }
            return try await linked(context, .unsubscribe, "This unsubscribe link is not valid.") { record, _ in
                // Idempotent: a second POST finds the address already unsubscribed and says the same.
                _ = try await gazette.store.unsubscribe(record.subscriber.email)
                gazette.logger.info("unsubscribed", metadata: ["subscriber.id": "\(record.subscriber.id ?? 0)"])
                return page(
                    .ok,
                    title: "You are unsubscribed",
                    [
                        "\(record.subscriber.email.value) will get no more digests from "
                            + "\(gazette.configuration.site.title)."
                    ]
                )
            }
        }
        return router
    }

    /// Runs `body` for the subscriber that the route's signed token names for `action`; a token
    /// that is not valid for this page gets a 404 saying `invalid`, an expired one a 410.
    private func linked(
        _ context: WebRequestContext,
        _ action: TokenAction,
        _ invalid: String,
        body: (SubscriberRecord, String) async throws -> Response
    ) async throws -> Response {
        let token = try context.parameters.require("token")
        switch try await gazette.subscriber(for: token, action: action) {
        case .found(let record):
            // A confirmation-pending address has no settings to manage yet.
            if action == .manage, record.subscriber.status == .pending { break }
            // An unsubscribed one (not paused here) has none any more: only a new sign-up,
            // confirmed again, brings it back, not an old digest's settings link.
            if action == .manage, record.subscriber.status == .unsubscribed, !record.subscriber.isPaused {
                return page(
                    .ok,
                    title: "You are unsubscribed",
                    [
                        "\(record.subscriber.email.value) gets no digests from \(gazette.configuration.site.title).",
                        "To get them again, subscribe on the front page.",
                    ],
                    link: (label: "Subscribe", url: "/")
                )
            }
            return try await body(record, token)
        case .expired: return expiredPage()
        case .invalid: break
        }
        return page(.notFound, title: "Not found", [invalid])
    }

    /// A form POST that must not go on: one sent from another site's page (CSRF: browsers say
    /// where a form came from), or one over the client's hourly allowance (429, Retry-After).
    private func formRefusal(_ request: Request, _ context: WebRequestContext) -> Response? {
        if isCrossSite(request) {
            return page(
                .forbidden,
                title: "Forbidden",
                ["This form can only be sent from \(gazette.configuration.site.title)'s own pages."]
            )
        }
        let client = context.clientKey(request, trustForwardedFor: gazette.configuration.server.trustForwardedFor)
        guard let wait = formLimiter.take(client, now: gazette.now()) else { return nil }
        gazette.logger.notice("form rate limit", metadata: ["client": "\(client)"])
        var response = page(
            .tooManyRequests,
            title: "Too many requests",
            [
                "Too many forms were sent from your address. Please try again in \(Int((wait / 60).rounded(.up))) minutes."
            ]
        )
        response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
        return response
    }

    /// Whether the browser says this POST comes from another page than Gazette's own:
    /// `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the user), or else an
    /// `Origin` that is neither `site.baseURL`'s nor the host the request was sent to. No header:
    /// not a browser form (or a browser too old to send either), which CSRF needs.
    private func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite] { return site != "same-origin" && site != "none" }
        guard let header = request.headers[.origin] else { return false }
        // "null" (a sandboxed page or a privacy setting) names no origin: not ours.
        guard let origin = WebOrigin(header) else { return true }
        if origin == WebOrigin(gazette.configuration.site.baseURL.absoluteString) { return false }
        // Behind a TLS-terminating proxy the request's own scheme is unknown: the Origin's stands in.
        guard let authority = request.head.authority else { return true }
        return origin != WebOrigin("\(origin.scheme)://\(authority)")
    }

    private func expiredPage() -> Response {
        page(.gone, title: "Link expired", ["This link has expired. Subscribe again to get a new one."])
    }

    /// `/manage/{token}` saved: pause, or new preferences (which resume a paused digest).
    private func manage(_ record: SubscriberRecord, token: String, form: FormData) async throws -> Response {
        if form.first("action") == "pause" {
            _ = try await gazette.store.pause(record.subscriber.email, at: gazette.now())
            return page(
                .ok,
                title: "Your digest is paused",
                ["Nothing is sent to \(record.subscriber.email.value) until you resume it from this page."],
                form: nil,
                link: (label: "Back to your settings", url: "/manage/\(token)")
            )
        }
        switch parsePreferences(form) {
        case .failure(let problem):
            return subscribePage(.badRequest, error: problem.message, managing: record, token: token)
        case .success(let preferences):
            // Saving resumes a paused digest: the reader holds the secret link, that is consent enough.
            let saved = try await gazette.store.subscribe(
                record.subscriber.email,
                preferences: preferences,
                status: .active,
                now: gazette.now()
            )
            return subscribePage(.ok, managing: saved, token: token)
        }
    }

    /// A cached feed as a response: 304 when the client has these bytes, gzip when it accepts
    /// it, no body for HEAD; a 404 page saying why when there is no such feed.
    private func feedResponse(
        _ key: String,
        request: Request,
        head: Bool,
        render: @escaping @Sendable () async throws -> FeedLookup
    ) async throws -> Response {
        let entry: FeedCache.Entry
        switch try await cache.entry(key, render: render) {
        case .success(let found): entry = found
        case .failure(let missing):
            feedResponses.count(404)
            return page(.notFound, title: "Not found", [missing.reason])
        }
        let reply = FeedReply(entry, requestHeaders: request.headers, head: head)
        feedResponses.count(Int(reply.status.code))
        return reply.response
    }

    private func checkYourEmail() -> Response {
        page(
            .ok,
            title: "Check your email",
            [
                "If this address can be subscribed, a confirmation email is on its way. Nothing is sent until you confirm."
            ]
        )
    }

    private func subscribePage(
        _ status: HTTPResponse.Status,
        error: String? = nil,
        managing record: SubscriberRecord? = nil,
        token: String? = nil
    ) -> Response {
        let configuration = gazette.configuration
        let html = gazette.renderer.subscribePage(
            SubscribePageContent(
                siteTitle: configuration.site.title,
                countries: Array(Set(configuration.sources.map(\.country))).sorted(),
                topics: configuration.topicRules.rules.keys.sorted(),
                defaultHour: configuration.scheduling.defaultHour,
                defaultTimeZone: configuration.scheduling.defaultTimeZone,
                current: record.map { .init(subscriber: $0.subscriber, subscription: $0.subscription) },
                formAction: token.map { "/manage/\($0)" } ?? "/subscribe",
                error: error
            )
        )
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    struct SignupProblem: Error {
        var message: String
    }

    /// The form's fields, each checked: what was wrong is said on the form, not guessed.
    private func parseSignup(_ form: FormData) -> Result<(EmailAddress, SubscriptionPreferences), SignupProblem> {
        guard let email = form.first("email").flatMap(EmailAddress.init) else {
            return .failure(SignupProblem(message: "Please give a valid email address."))
        }
        return parsePreferences(form).map { (email, $0) }
    }

    private func parsePreferences(_ form: FormData) -> Result<SubscriptionPreferences, SignupProblem> {
        let offered = Set(gazette.configuration.sources.map(\.country))
        let countries = form.all("country").compactMap { Country(code: $0) }.filter(offered.contains)
        guard !countries.isEmpty, countries.count == form.all("country").count else {
            return .failure(SignupProblem(message: "Please choose at least one of the countries listed."))
        }
        let topics = form.all("topic").compactMap(Topic.init).filter {
            gazette.configuration.topicRules.rules[$0] != nil
        }
        guard topics.count == form.all("topic").count else {
            return .failure(SignupProblem(message: "Please choose topics from the list."))
        }
        // A field sent twice (a crafted form) counts once.
        var seenCountries: Set<Country> = []
        var seenTopics: Set<Topic> = []
        let (uniqueCountries, uniqueTopics) = (
            countries.filter { seenCountries.insert($0).inserted }, topics.filter { seenTopics.insert($0).inserted }
        )
        guard let frequency = Subscription.Frequency(rawValue: form.first("frequency") ?? "daily"),
            let hour = Int(form.first("hour") ?? "\(gazette.configuration.scheduling.defaultHour)"),
            (0...23).contains(hour)
        else { return .failure(SignupProblem(message: "Please choose when to receive the digest.")) }
        let zoneName = form.first("timeZone") ?? gazette.configuration.scheduling.defaultTimeZone.identifier
        guard let zone = TimeZone(identifier: zoneName) else {
            return .failure(SignupProblem(message: "\"\(zoneName)\" is not a time zone such as Europe/Berlin."))
        }
        return .success(
            SubscriptionPreferences(
                countries: uniqueCountries.sorted(),
                topics: uniqueTopics,
                frequency: frequency,
                sendHour: hour,
                timeZone: zone
            )
        )
    }

    /// Counts responses by status code (a lock, not an actor: it is on every request's path).
    public final class ResponseCounter: Sendable {
        private let counts = Mutex<[Int: Int]>([:])
        func count(_ status: Int) { counts.withLock { $0[status, default: 0] += 1 } }
        public func count(of status: Int) -> Int { counts.withLock { $0[status] ?? 0 } }
    }

    private func page(
        _ status: HTTPResponse.Status,
        title: String,
        _ paragraphs: [String],
        form: (action: String, button: String)? = nil,
        link: (label: String, url: String)? = nil
    ) -> Response {
        let html = gazette.renderer.page(
            PageContent(
                siteTitle: gazette.configuration.site.title,
                title: title,
                paragraphs: paragraphs,
                formAction: form?.action,
                buttonLabel: form?.button ?? "",
                link: link
            )
        )
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
