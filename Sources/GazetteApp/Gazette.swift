import Foundation
import GazetteCore
import GazetteIngest
import GazetteMail
import GazetteRender
import GazetteStore
import Logging

/// The one place that composes the stages. The CLI commands (and later the daemon) call these
/// methods; none of them re-implements a stage.
public struct Gazette: Sendable {
    public let configuration: GazetteConfiguration
    public let store: any GazetteStore
    public let renderer: DigestRenderer
    public let logger: Logger
    /// Signs and checks the tokens in confirm, unsubscribe, manage and private-feed links.
    public let tokens: LinkTokens
    /// The counters `/metrics` shows.
    public let metrics: GazetteMetrics
    /// The clock every stage reads; tests and the demo set it.
    public let now: @Sendable () -> Date
    /// Story summaries made so far, reused while the story's articles stay the same.
    let storySummaries = StorySummaries()
    /// Digest items made so far, reused for every reader of the same story.
    public let storyItems = StoryItems()

    public init(
        configuration: GazetteConfiguration,
        store: any GazetteStore,
        renderer: DigestRenderer,
        logger: Logger,
        tokens: LinkTokens,
        metrics: GazetteMetrics = GazetteMetrics(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        sourceNames = Dictionary(
            configuration.sources.map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first }
        )
        self.store = store
        self.renderer = renderer
        self.logger = logger
        self.tokens = tokens
        self.metrics = metrics
        self.now = now
    }

    /// Opens the SQLite store (migrating it), records the configured sources, loads the templates
    /// and the link-signing keys (from `environment`, or the store).
    public static func open(
        configuration: GazetteConfiguration,
        templatesDirectory: URL,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Gazette {
        let store = try SQLiteStore(path: configuration.database.path)
        try await store.saveSources(configuration.sources)
        let templates = try await TemplateSet(directory: templatesDirectory)
        return Gazette(
            configuration: configuration,
            store: store,
            renderer: DigestRenderer(templates: templates),
            logger: logger,
            tokens: try await LinkTokens.load(environment: environment, store: store),
            now: now
        )
    }

    /// The same pipeline with another clock.
    public func with(now: @escaping @Sendable () -> Date) -> Gazette {
        Gazette(
            configuration: configuration,
            store: store,
            renderer: renderer,
            logger: logger,
            tokens: tokens,
            metrics: metrics,
            now: now
        )
    }

    /// The outlets' names by their ids, made once: every digest and feed looks them up.
    let sourceNames: [String: String]

    /// Where a public feed is published under the site, e.g. `feeds/country/de.atom`.
    public static func feedPath(folder: String, name: String, format: String) -> String {
        "feeds/\(folder)/\(name).\(format)"
    }

    /// Where a country's feed is published, e.g. `feeds/country/de.atom`.
    public static func countryFeedPath(_ country: Country, format: String) -> String {
        feedPath(folder: "country", name: country.slug, format: format)
    }

    /// The links of one subscriber's edition: unsubscribe (https and mailto), manage, the
    /// edition's archive page, and the country feed when the subscription has one country.
    func links(for record: SubscriberRecord, editionKey: String) -> DigestLinks {
        let unsubscribe = unsubscribeLinks(for: record.subscriber)
        let countries = record.subscription.countries
        return DigestLinks(
            unsubscribe: unsubscribe.https,
            unsubscribeMailto: unsubscribe.mailto,
            manage: siteURL("manage/" + token(for: record.subscriber, action: .manage)),
            archive: siteURL("archive/" + editionKey),
            feed: countries.count == 1 ? siteURL(Self.countryFeedPath(countries[0], format: "atom")) : nil
        )
    }

    /// The `List-Unsubscribe` links of a subscriber's mail: the one-click page and a mailto.
    func unsubscribeLinks(for subscriber: Subscriber) -> (https: URL, mailto: URL?) {
        // Signed tokens are base64url and dots: safe in a path and in a mailto subject.
        let token = token(for: subscriber, action: .unsubscribe)
        let mailbox = configuration.delivery.unsubscribeAddress ?? configuration.delivery.from.address
        return (siteURL("unsubscribe/" + token), URL(string: "mailto:\(mailbox.value)?subject=unsubscribe%20\(token)"))
    }

    /// `path` under `site.baseURL`, whether or not the base ends with a slash. The path must be
    /// URL-safe as it is (tokens, edition keys, slugs). Joined as text: every digest made and
    /// every message sent builds these links, and `appendingPathComponent` costs far more.
    func siteURL(_ path: String) -> URL {
        Self.url(path, under: configuration.site.baseURL)
    }

    /// `path` under `base`, as `appendingPathComponent` would make it.
    static func url(_ path: String, under base: URL) -> URL {
        let root = base.absoluteString
        guard base.query == nil, base.fragment == nil,
            let url = URL(string: root.hasSuffix("/") ? root + path : root + "/" + path)
        else { return base.appendingPathComponent(path) }
        return url
    }
}
