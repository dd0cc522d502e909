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
    /// The clock every stage reads; tests and the demo set it.
    public let now: @Sendable () -> Date

    public init(
        configuration: GazetteConfiguration,
        store: any GazetteStore,
        renderer: DigestRenderer,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.store = store
        self.renderer = renderer
        self.logger = logger
        self.now = now
    }

    /// Opens the SQLite store (migrating it), records the configured sources and loads the templates.
    public static func open(
        configuration: GazetteConfiguration,
        templatesDirectory: URL,
        logger: Logger,
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
            now: now
        )
    }

    /// The same pipeline with another clock.
    public func with(now: @escaping @Sendable () -> Date) -> Gazette {
        Gazette(configuration: configuration, store: store, renderer: renderer, logger: logger, now: now)
    }

    var sourceNames: [String: String] {
        Dictionary(uniqueKeysWithValues: configuration.sources.map { ($0.id, $0.name) })
    }

    /// Where a public feed is published under the site, e.g. `feeds/country/de.atom`.
    public static func feedPath(folder: String, name: String, format: String) -> String {
        "feeds/\(folder)/\(name).\(format)"
    }

    /// Where a country's feed is published, e.g. `feeds/country/de.atom`.
    public static func countryFeedPath(_ country: Country, format: String) -> String {
        feedPath(folder: "country", name: country.slug, format: format)
    }

    /// `/unsubscribe/{token}`, the route the web face serves (tokens are hex, safe in a path).
    func unsubscribeURL(token: String) -> URL {
        configuration.site.baseURL.appendingPathComponent("unsubscribe").appendingPathComponent(token)
    }

    /// The links of one subscriber's edition: unsubscribe (https and mailto), manage, the
    /// edition's archive page, and the country feed when the subscription has one country.
    func links(for record: SubscriberRecord, editionKey: String) -> DigestLinks {
        let base = configuration.site.baseURL
        let token = record.subscriber.token
        let mailbox = configuration.delivery.unsubscribeAddress ?? configuration.delivery.from.address
        let countries = record.subscription.countries
        return DigestLinks(
            unsubscribe: unsubscribeURL(token: token),
            unsubscribeMailto: URL(string: "mailto:\(mailbox.value)?subject=unsubscribe%20\(token)"),
            manage: base.appendingPathComponent("manage").appendingPathComponent(token),
            archive: base.appendingPathComponent("archive").appendingPathComponent(editionKey),
            feed: countries.count == 1
                ? base.appendingPathComponent(Self.countryFeedPath(countries[0], format: "atom")) : nil
        )
    }
}
