import Foundation

/// Everything an operator sets in `gazette.json`. Secrets are never here: only the names of
/// the environment variables that hold them.
public struct GazetteConfiguration: Sendable {
    public struct Database: Sendable {
        /// The SQLite file; relative paths are relative to the config file's folder.
        public var path: String = "gazette.sqlite"
        public init(path: String = "gazette.sqlite") { self.path = path }
    }

    public struct SMTP: Sendable {
        /// `smtp://host:port` or `smtps://host:port`.
        public var url: URL
        public var username: String?
        /// The name of the environment variable that holds the SMTP password.
        public var passwordEnv: String?
        /// SMTP connections used at the same time, each reused across messages.
        public var connections: Int = 2
        /// Messages per second at most, over all connections; 0: no limit.
        public var messagesPerSecond: Double = 0
        /// Connections at the same time to one recipient domain's mail (`example.org`).
        public var perDomainConnections: Int = 2
        /// Plain-text SMTP is allowed only to a loopback server unless this is false.
        public var requireTLS: Bool = true
        public init(url: URL, username: String? = nil, passwordEnv: String? = nil) {
            self.url = url
            self.username = username
            self.passwordEnv = passwordEnv
        }
    }

    /// When a deferred message is tried again: Postfix's schedule, 5 minutes doubling to an hour,
    /// until the deadline (a daily digest goes stale).
    public struct Retry: Sendable {
        public var initialDelaySeconds: Int = 300
        public var maxDelaySeconds: Int = 3_600
        public var deadlineHours: Int = 24
        public init(initialDelaySeconds: Int = 300, maxDelaySeconds: Int = 3_600, deadlineHours: Int = 24) {
            self.initialDelaySeconds = initialDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.deadlineHours = deadlineHours
        }

        /// The wait after `attempts` failed attempts: initial, doubling, at most the maximum.
        public func delay(afterAttempts attempts: Int) -> TimeInterval {
            let doublings = min(max(attempts - 1, 0), 20)
            return TimeInterval(min(initialDelaySeconds << doublings, maxDelaySeconds))
        }
    }

    /// DKIM signing (RFC 6376): the private key is read from a file, never from the config.
    public struct DKIM: Sendable {
        public enum Algorithm: String, Sendable, CaseIterable {
            case rsaSHA256 = "rsa-sha256"
            case ed25519SHA256 = "ed25519-sha256"
        }
        public var domain: String
        public var selector: String
        public var privateKeyPath: String
        public var algorithm: Algorithm
        public init(domain: String, selector: String, privateKeyPath: String, algorithm: Algorithm) {
            self.domain = domain
            self.selector = selector
            self.privateKeyPath = privateKeyPath
            self.algorithm = algorithm
        }
    }

    public struct Delivery: Sendable {
        public enum Mode: String, Sendable, CaseIterable {
            case smtp
            case outbox
        }
        public var mode: Mode = .outbox
        public var outboxDirectory: String = "outbox"
        public var smtp: SMTP?
        /// The From header and envelope sender, e.g. `Gazette <digest@news.example.org>`.
        public var from: MailboxName
        /// Where `List-Unsubscribe`'s mailto: link writes (subject `unsubscribe {token}`);
        /// nil: the From address.
        public var unsubscribeAddress: EmailAddress?
        public var retry: Retry = Retry()
        /// One or more signatures (RSA and Ed25519 may both sign, RFC 8463 advises it).
        public var dkim: [DKIM] = []
        public init(
            mode: Mode = .outbox,
            outboxDirectory: String = "outbox",
            smtp: SMTP? = nil,
            from: MailboxName,
            unsubscribeAddress: EmailAddress? = nil
        ) {
            self.mode = mode
            self.outboxDirectory = outboxDirectory
            self.smtp = smtp
            self.from = from
            self.unsubscribeAddress = unsubscribeAddress
        }
    }

    public struct Site: Sendable {
        /// Where the feeds and pages are published; links in emails and feeds start here.
        public var baseURL: URL
        public var title: String = "Gazette"
        public init(baseURL: URL, title: String = "Gazette") {
            self.baseURL = baseURL
            self.title = title
        }
    }

    /// Where `gazette serve` and `gazette run` listen for HTTP.
    public struct Server: Sendable {
        public var host: String = "127.0.0.1"
        public var port: Int = 8080
        /// Form submissions (sign-ups, settings, confirmations) one client address may make in an
        /// hour; more get 429 with Retry-After.
        public var formPostsPerHourPerIP: Int = 20
        /// Behind a reverse proxy: take the client address from the last `X-Forwarded-For` entry
        /// (the one the proxy added) instead of the connection's peer, which is the proxy.
        public var trustForwardedFor: Bool = false
        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            formPostsPerHourPerIP: Int = 20,
            trustForwardedFor: Bool = false
        ) {
            self.host = host
            self.port = port
            self.formPostsPerHourPerIP = formPostsPerHourPerIP
            self.trustForwardedFor = trustForwardedFor
        }
    }

    public struct Feeds: Sendable {
        public var outputDirectory: String = "feeds"
        /// How many of the newest articles a feed carries.
        public var maxEntries: Int = 50
        public init(outputDirectory: String = "feeds", maxEntries: Int = 50) {
            self.outputDirectory = outputDirectory
            self.maxEntries = maxEntries
        }
    }

    /// When editions go out.
    public struct Scheduling: Sendable {
        /// An edition that fell due while nothing ran is still sent this many hours late;
        /// later, it is recorded as skipped (yesterday's news is not news).
        public var latenessHours: Int = 6
        /// Minutes between ingest cycles in `gazette run`.
        public var ingestIntervalMinutes: Int = 30
        /// What `gazette subscribe` uses when no option says otherwise.
        public var defaultHour: Int = 7
        public var defaultTimeZone: TimeZone = TimeZone(identifier: "UTC")!
        public init() {}
    }

    /// How long Gazette keeps what it no longer needs; `gazette prune` and the daemon (once a
    /// day) delete what is older.
    public struct Retention: Sendable {
        /// Articles first seen and published longer ago than this many days are deleted.
        public var articleDays: Int = 90
        /// The rendered message of an edition delivered or failed longer ago than this many days
        /// is deleted (its archive page then says so); the edition's ledger entry stays.
        public var editionDays: Int = 60
        public init(articleDays: Int = 90, editionDays: Int = 60) {
            self.articleDays = articleDays
            self.editionDays = editionDays
        }
    }

    public struct Digest: Sendable {
        /// The most stories one edition shows, across all its countries.
        public var maxStories: Int = 10
        /// Whether a subscriber with nothing new gets a short "nothing new today" edition
        /// instead of no email at all.
        public var sendEmptyEditions: Bool = false
        public init(maxStories: Int = 10, sendEmptyEditions: Bool = false) {
            self.maxStories = maxStories
            self.sendEmptyEditions = sendEmptyEditions
        }
    }

    public struct Ingest: Sendable {
        public var timeoutSeconds: Int = 30
        /// The largest feed body accepted, counted after decompression.
        public var maxFeedBytes: Int = 10 * 1024 * 1024
        /// `file:` feed URLs are for the bundled samples and tests only.
        public var allowFileURLs: Bool = false
        /// Feeds fetched at the same time, in all.
        public var concurrentFetches: Int = 8
        /// Feeds fetched at the same time from one host.
        public var perHostConcurrency: Int = 2
        /// A feed that failed this many times in a row is disabled until a manual retry.
        public var disableAfterFailures: Int = 10
        public init(
            timeoutSeconds: Int = 30,
            maxFeedBytes: Int = 10 * 1024 * 1024,
            allowFileURLs: Bool = false,
            concurrentFetches: Int = 8,
            perHostConcurrency: Int = 2,
            disableAfterFailures: Int = 10
        ) {
            self.timeoutSeconds = timeoutSeconds
            self.maxFeedBytes = maxFeedBytes
            self.allowFileURLs = allowFileURLs
            self.concurrentFetches = concurrentFetches
            self.perHostConcurrency = perHostConcurrency
            self.disableAfterFailures = disableAfterFailures
        }
    }

    public var sources: [Source]
    public var database: Database
    public var delivery: Delivery
    public var site: Site
    public var feeds: Feeds
    public var ingest: Ingest
    public var digest: Digest = Digest()
    public var scheduling: Scheduling = Scheduling()
    public var retention: Retention = Retention()
    public var server: Server = Server()
    /// A folder of Mustache templates replacing the bundled `templates/`; nil: the bundled ones.
    public var templatesDirectory: String?
    /// The topic taxonomy: the standard one plus what the config's `topics` adds.
    public var topicRules: TopicRules = .standard

    public init(
        sources: [Source],
        database: Database = Database(),
        delivery: Delivery,
        site: Site,
        feeds: Feeds = Feeds(),
        ingest: Ingest = Ingest()
    ) {
        self.sources = sources
        self.database = database
        self.delivery = delivery
        self.site = site
        self.feeds = feeds
        self.ingest = ingest
    }
}

/// A display name with an address: `Gazette <digest@news.example.org>`, or a bare address.
public struct MailboxName: Hashable, Sendable {
    public var displayName: String?
    public var address: EmailAddress

    public init(displayName: String? = nil, address: EmailAddress) {
        self.displayName = displayName
        self.address = address
    }

    /// Parses `Name <addr>` or `addr`. The name may not contain quotes, angle brackets or control
    /// characters (line breaks among them; checked per scalar, since `\r\n` is one Character).
    public init?(parsing raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let name = text[..<open].trimmingCharacters(in: .whitespaces)
            guard let address = EmailAddress(String(text[text.index(after: open)..<text.index(before: text.endIndex)])),
                !name.unicodeScalars.contains(where: {
                    $0 == "\"" || $0 == "<" || $0 == ">" || $0.properties.generalCategory == .control
                })
            else { return nil }
            self.init(displayName: name.isEmpty ? nil : name, address: address)
        } else {
            guard let address = EmailAddress(text) else { return nil }
            self.init(address: address)
        }
    }
}
