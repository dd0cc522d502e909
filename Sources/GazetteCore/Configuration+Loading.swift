import Foundation

extension GazetteConfiguration {
    /// Loads and validates a config file. Relative paths in it are made absolute against the
    /// file's folder, so the same file works from any working directory.
    public static func load(contentsOf file: URL) throws -> GazetteConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ConfigurationError(
                path: "",
                message: "cannot read config file \(file.path): \(error.localizedDescription)"
            )
        }
        return try parse(data, relativeTo: file.deletingLastPathComponent())
    }

    /// Parses a config document; every problem names its key path and what was expected.
    public static func parse(_ data: Data, relativeTo folder: URL) throws -> GazetteConfiguration {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(path: "", message: "not valid JSON: \(error.localizedDescription)")
        }
        var root = try JSONObjectReader(json, path: "")
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
        }

        var ingest = Ingest()
        if var reader = try root.object("ingest") {
            ingest.timeoutSeconds = try reader.int("timeoutSeconds", in: 1...600) ?? ingest.timeoutSeconds
            ingest.maxFeedBytes = try reader.int("maxFeedBytes", in: 1024...(256 * 1024 * 1024)) ?? ingest.maxFeedBytes
            ingest.allowFileURLs = try reader.bool("allowFileURLs") ?? ingest.allowFileURLs
            ingest.concurrentFetches = try reader.int("concurrentFetches", in: 1...64) ?? ingest.concurrentFetches
            ingest.perHostConcurrency = try reader.int("perHostConcurrency", in: 1...16) ?? ingest.perHostConcurrency
            ingest.disableAfterFailures =
                try reader.int("disableAfterFailures", in: 1...1000) ?? ingest.disableAfterFailures
            try reader.rejectUnknownKeys()
        }

        guard let sourceValues = try root.array("sources") else {
            throw ConfigurationError(path: "sources", message: "missing; expected an array of news sources")
        }
        guard !sourceValues.isEmpty else {
            throw ConfigurationError(path: "sources", message: "must list at least one source")
        }
        var sources: [Source] = []
        // A feed's state (validators, failures) is kept by URL: a URL listed twice would have its
        // articles stored under one source and its 304s answer the other's fetches.
        var feedPaths: [String: String] = [:]
        for (index, value) in sourceValues.enumerated() {
            let source = try parseSource(value, path: "sources[\(index)]", ingest: ingest, relativeTo: folder)
            if let earlier = sources.firstIndex(where: { $0.id == source.id }) {
                throw ConfigurationError(
                    path: "sources[\(index)].id",
                    message: "\"\(source.id)\" is already used by sources[\(earlier)]"
                )
            }
            for (feedIndex, feed) in source.feeds.enumerated() {
                let path = "sources[\(index)].feeds[\(feedIndex)]"
                if let earlier = feedPaths[feed] {
                    throw ConfigurationError(path: path, message: "\(feed) is already listed at \(earlier)")
                }
                feedPaths[feed] = path
            }
            sources.append(source)
        }

        var database = Database()
        if var reader = try root.object("database") {
            database.path = try reader.string("path") ?? database.path
            try reader.rejectUnknownKeys()
        }
        database.path = resolve(database.path)

        guard var deliveryReader = try root.object("delivery") else {
            throw ConfigurationError(path: "delivery", message: "missing; expected an object with at least \"from\"")
        }
        let delivery = try parseDelivery(&deliveryReader, resolve: resolve)

        guard var siteReader = try root.object("site") else {
            throw ConfigurationError(path: "site", message: "missing; expected an object with \"baseURL\"")
        }
        let baseURLText = try siteReader.requiredString("baseURL")
        guard let baseURL = URL(string: baseURLText), ["http", "https"].contains(baseURL.scheme?.lowercased() ?? ""),
            baseURL.host != nil
        else {
            throw ConfigurationError(path: "site.baseURL", message: "\"\(baseURLText)\" is not an http or https URL")
        }
        let site = Site(baseURL: baseURL, title: try siteReader.string("title") ?? "Gazette")
        try siteReader.rejectUnknownKeys()

        var feeds = Feeds()
        if var reader = try root.object("feeds") {
            feeds.outputDirectory = try reader.string("outputDirectory") ?? feeds.outputDirectory
            feeds.maxEntries = try reader.int("maxEntries", in: 1...1000) ?? feeds.maxEntries
            try reader.rejectUnknownKeys()
        }
        feeds.outputDirectory = resolve(feeds.outputDirectory)

        var digest = Digest()
        if var reader = try root.object("digest") {
            digest.maxStories = try reader.int("maxStories", in: 1...100) ?? digest.maxStories
            digest.sendEmptyEditions = try reader.bool("sendEmptyEditions") ?? digest.sendEmptyEditions
            try reader.rejectUnknownKeys()
        }

        var scheduling = Scheduling()
        if var reader = try root.object("scheduling") {
            scheduling.latenessHours = try reader.int("latenessHours", in: 0...168) ?? scheduling.latenessHours
            scheduling.ingestIntervalMinutes =
                try reader.int("ingestIntervalMinutes", in: 1...1_440) ?? scheduling.ingestIntervalMinutes
            scheduling.defaultHour = try reader.int("defaultHour", in: 0...23) ?? scheduling.defaultHour
            if let zone = try reader.string("defaultTimeZone") {
                guard let timeZone = TimeZone(identifier: zone) else {
                    throw ConfigurationError(
                        path: reader.childPath("defaultTimeZone"),
                        message: "\"\(zone)\" is not an IANA time zone such as Europe/Berlin"
                    )
                }
                scheduling.defaultTimeZone = timeZone
            }
            try reader.rejectUnknownKeys()
        }

        var retention = Retention()
        if var reader = try root.object("retention") {
            // A week at least: digests and stories look back a few days, weekly digests a week.
            retention.articleDays = try reader.int("articleDays", in: 7...36_500) ?? retention.articleDays
            retention.editionDays = try reader.int("editionDays", in: 1...36_500) ?? retention.editionDays
            try reader.rejectUnknownKeys()
        }

        var server = Server()
        if var reader = try root.object("server") {
            server.host = try reader.string("host") ?? server.host
            server.port = try reader.int("port", in: 0...65_535) ?? server.port
            server.formPostsPerHourPerIP =
                try reader.int("formPostsPerHourPerIP", in: 1...1_000_000) ?? server.formPostsPerHourPerIP
            server.trustForwardedFor = try reader.bool("trustForwardedFor") ?? server.trustForwardedFor
            try reader.rejectUnknownKeys()
        }

        var templatesDirectory: String?
        if var reader = try root.object("templates") {
            templatesDirectory = try reader.string("directory").map(resolve)
            try reader.rejectUnknownKeys()
        }

        var topicRules = TopicRules.standard
        if var reader = try root.object("topics") {
            topicRules = try parseTopics(&reader, adding: topicRules)
        }

        try root.rejectUnknownKeys()
        var configuration = GazetteConfiguration(
            sources: sources,
            database: database,
            delivery: delivery,
            site: site,
            feeds: feeds,
            ingest: ingest
        )
        configuration.topicRules = topicRules
        configuration.digest = digest
        configuration.scheduling = scheduling
        configuration.retention = retention
        configuration.server = server
        configuration.templatesDirectory = templatesDirectory
        return configuration
    }

    /// `topics`: `{"energy": {"keywords": ["oil", "opec"], "categories": ["energy"]}}` adds to a
    /// standard topic's rules, or defines a new topic.
    private static func parseTopics(_ reader: inout JSONObjectReader, adding rules: TopicRules) throws -> TopicRules {
        var result = rules.rules
        for slug in reader.keys {
            guard let topic = Topic(slug) else {
                throw ConfigurationError(
                    path: reader.childPath(slug),
                    message: "\"\(slug)\" is not a topic slug (lower-case letters, digits, -)"
                )
            }
            guard var ruleReader = try reader.object(slug) else { continue }
            let keywords = try ruleReader.stringArray("keywords") ?? []
            // Prefix keywords are indexed by their first three letters.
            for (index, keyword) in keywords.enumerated() {
                let first = keyword.split(separator: " ").first ?? ""
                guard first.hasSuffix("*"), first.count < 4 else { continue }
                throw ConfigurationError(
                    path: "\(ruleReader.childPath("keywords"))[\(index)]",
                    message: "\"\(keyword)\": a prefix keyword needs at least 3 letters before *"
                )
            }
            let categories = try ruleReader.stringArray("categories") ?? []
            try ruleReader.rejectUnknownKeys()
            var rule = result[topic] ?? TopicRules.Rule()
            rule.keywords += keywords.map { $0.lowercased() }
            rule.categories += categories.map { $0.lowercased() }
            result[topic] = rule
        }
        return TopicRules(rules: result)
    }

    private static func parseSource(_ value: Any, path: String, ingest: Ingest, relativeTo folder: URL) throws -> Source
    {
        var reader = try JSONObjectReader(value, path: path)
        let id = try reader.requiredString("id")
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), id.count <= 64
        else {
            throw ConfigurationError(
                path: reader.childPath("id"),
                message: "\"\(id)\" may hold only ASCII letters, digits, - and _ (at most 64)"
            )
        }
        let name = try reader.requiredString("name")
        let countryCode = try reader.requiredString("country")
        guard let country = Country(code: countryCode) else {
            throw ConfigurationError(
                path: reader.childPath("country"),
                message: "\"\(countryCode)\" is not an ISO 3166-1 alpha-2 code"
            )
        }
        let language = try reader.requiredString("language")
        guard language.count <= 35, language.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
            throw ConfigurationError(
                path: reader.childPath("language"),
                message: "\"\(language)\" is not a language tag"
            )
        }
        guard let feedTexts = try reader.stringArray("feeds"), !feedTexts.isEmpty else {
            throw ConfigurationError(
                path: reader.childPath("feeds"),
                message: "missing; expected at least one feed URL"
            )
        }
        let feeds = try feedTexts.enumerated().map { index, text in
            try validateFeedURL(
                text,
                path: "\(reader.childPath("feeds"))[\(index)]",
                ingest: ingest,
                relativeTo: folder
            )
        }
        let topics = try (reader.stringArray("topics") ?? []).enumerated().map { index, text in
            guard let topic = Topic(text) else {
                throw ConfigurationError(
                    path: "\(reader.childPath("topics"))[\(index)]",
                    message: "\"\(text)\" is not a topic slug (lower-case letters, digits, -)"
                )
            }
            return topic
        }
        let intervalMinutes = try reader.int("intervalMinutes", in: 1...1_440)
        try reader.rejectUnknownKeys()
        var source = Source(id: id, name: name, country: country, language: language, feeds: feeds, topics: topics)
        source.intervalMinutes = intervalMinutes
        return source
    }

    /// Feeds are fetched over http(s); `file:` only when `ingest.allowFileURLs` is set, for samples.
    /// A relative `file:` path is resolved against the config file's folder.
    private static func validateFeedURL(
        _ text: String,
        path: String,
        ingest: Ingest,
        relativeTo folder: URL
    ) throws
        -> String
    {
        let scheme = text.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        switch scheme {
        case "http", "https":
            guard let url = URL(string: text), url.host?.isEmpty == false else {
                throw ConfigurationError(path: path, message: "\"\(text)\" is not a valid URL")
            }
            return text
        case "file":
            guard ingest.allowFileURLs else {
                throw ConfigurationError(
                    path: path,
                    message: "file: URLs are refused unless ingest.allowFileURLs is true (for local samples only)"
                )
            }
            let rest = String(text.dropFirst("file:".count))
            if rest.hasPrefix("//") { return text }
            return folder.appendingPathComponent(rest).standardizedFileURL.absoluteString
        default:
            throw ConfigurationError(path: path, message: "\"\(text)\" is not an http or https URL")
        }
    }

    private static func parseDelivery(_ reader: inout JSONObjectReader, resolve: (String) -> String) throws -> Delivery
    {
        let modeText = try reader.string("mode") ?? Delivery.Mode.outbox.rawValue
        guard let mode = Delivery.Mode(rawValue: modeText) else {
            throw ConfigurationError(
                path: reader.childPath("mode"),
                message: "\"\(modeText)\" is not a delivery mode; expected smtp or outbox"
            )
        }
        let fromText = try reader.requiredString("from")
        guard let from = MailboxName(parsing: fromText) else {
            throw ConfigurationError(
                path: reader.childPath("from"),
                message: "\"\(fromText)\" is not an address like Gazette <digest@example.org>"
            )
        }
        let outbox = resolve(try reader.string("outboxDirectory") ?? "outbox")
        var unsubscribeAddress: EmailAddress?
        if let text = try reader.string("unsubscribeAddress") {
            guard let address = EmailAddress(text) else {
                throw ConfigurationError(
                    path: reader.childPath("unsubscribeAddress"),
                    message: "\"\(text)\" is not an email address"
                )
            }
            unsubscribeAddress = address
        }
        var smtp: SMTP?
        if var smtpReader = try reader.object("smtp") {
            let urlText = try smtpReader.requiredString("url")
            guard let url = URL(string: urlText), ["smtp", "smtps"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false
            else {
                throw ConfigurationError(
                    path: smtpReader.childPath("url"),
                    message: "\"\(urlText)\" is not an smtp:// or smtps:// URL"
                )
            }
            guard url.user == nil, url.password == nil else {
                throw ConfigurationError(
                    path: smtpReader.childPath("url"),
                    message: "must not carry credentials; use username and passwordEnv"
                )
            }
            let username = try smtpReader.string("username")
            let passwordEnv = try smtpReader.string("passwordEnv")
            if let passwordEnv,
                passwordEnv.isEmpty
                    || !passwordEnv.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                throw ConfigurationError(
                    path: smtpReader.childPath("passwordEnv"),
                    message: "expected the name of an environment variable (letters, digits, _), not a password"
                )
            }
            var parsed = SMTP(url: url, username: username, passwordEnv: passwordEnv)
            parsed.connections = try smtpReader.int("connections", in: 1...64) ?? parsed.connections
            if let rate = try smtpReader.int("messagesPerSecond", in: 0...100_000) {
                parsed.messagesPerSecond = Double(rate)
            }
            parsed.perDomainConnections =
                try smtpReader.int("perDomainConnections", in: 1...64) ?? parsed.perDomainConnections
            parsed.requireTLS = try smtpReader.bool("requireTLS") ?? parsed.requireTLS
            try smtpReader.rejectUnknownKeys()
            smtp = parsed
        }
        var retry = Retry()
        if var retryReader = try reader.object("retry") {
            retry.initialDelaySeconds =
                try retryReader.int("initialDelaySeconds", in: 1...86_400) ?? retry.initialDelaySeconds
            retry.maxDelaySeconds = try retryReader.int("maxDelaySeconds", in: 1...604_800) ?? retry.maxDelaySeconds
            retry.deadlineHours = try retryReader.int("deadlineHours", in: 1...720) ?? retry.deadlineHours
            try retryReader.rejectUnknownKeys()
        }
        var signatures: [DKIM] = []
        if let values = try reader.array("dkim") {
            for (index, value) in values.enumerated() {
                var dkimReader = try JSONObjectReader(value, path: "\(reader.childPath("dkim"))[\(index)]")
                let algorithmText = try dkimReader.string("algorithm") ?? DKIM.Algorithm.rsaSHA256.rawValue
                guard let algorithm = DKIM.Algorithm(rawValue: algorithmText) else {
                    throw ConfigurationError(
                        path: dkimReader.childPath("algorithm"),
                        message: "\"\(algorithmText)\" is not rsa-sha256 or ed25519-sha256"
                    )
                }
                signatures.append(
                    DKIM(
                        domain: try dkimReader.requiredString("domain"),
                        selector: try dkimReader.requiredString("selector"),
                        privateKeyPath: resolve(try dkimReader.requiredString("privateKeyPath")),
                        algorithm: algorithm
                    )
                )
                try dkimReader.rejectUnknownKeys()
            }
        }
        if mode == .smtp, smtp == nil {
            throw ConfigurationError(path: reader.childPath("smtp"), message: "missing; required when mode is smtp")
        }
        try reader.rejectUnknownKeys()
        var delivery = Delivery(
            mode: mode,
            outboxDirectory: outbox,
            smtp: smtp,
            from: from,
            unsubscribeAddress: unsubscribeAddress
        )
        delivery.retry = retry
        delivery.dkim = signatures
        return delivery
    }
}
