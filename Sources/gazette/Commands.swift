import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import GazetteRender
import GazetteStore

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or migrate the database."
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let gazette = try await options.openGazette()
        print("database ready: \(gazette.configuration.database.path)")
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Fetch the configured feeds and store new articles.",
        discussion: "Exits with status 1 when any feed failed; the other feeds are still ingested."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only this source (its id in the config).") var source: String?
    @Flag(help: "Also fetch feeds that are backing off or disabled; a success re-enables them.")
    var retry = false

    func run() async throws {
        let gazette = try await options.openGazette()
        let progress = TerminalProgress("ingest")
        let reports = try await CommandFailure.wrap {
            try await gazette.ingest(sourceID: source, retry: retry) { done, total in
                progress.update("\(done) of \(total) feeds")
            }
        }
        progress.finish()
        ReportPrinter.print(reports)
        let failures = reports.filter(\.isFailure).count
        if failures > 0 {
            throw CommandFailure("\(failures) of \(reports.count) feeds failed")
        }
    }
}

struct Subscribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe addresses (active at once: the operator vouches for them).",
        discussion: """
            Subscribing an address again replaces its preferences and reactivates it. Several addresses \
            get the same preferences (an import).
            """
    )
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The subscribers' email addresses.") var emails: [String]
    @Option(name: .customLong("country"), help: "An ISO 3166-1 country code; repeat for several.")
    var countries: [String] = []
    @Option(name: .customLong("topic"), help: "Only articles on this topic; repeat for several.")
    var topics: [String] = []
    @Option(help: "The local hour (0-23) at which the digest is sent (default: scheduling.defaultHour).")
    var hour: Int?
    @Option(
        name: .customLong("time-zone"),
        help: "An IANA time zone, e.g. Europe/Berlin (default: scheduling.defaultTimeZone)."
    )
    var timeZone: String?
    @Option(help: "daily, weekdays (Monday to Friday) or weekly.") var frequency = "daily"
    @Option(help: "For weekly digests: monday … sunday, or 1 (Monday) … 7.") var weekday = "monday"
    @Option(help: "html (text and HTML parts) or text.") var format = "html"

    func validate() throws {
        guard !emails.isEmpty else { throw ValidationError("give at least one email address") }
        for email in emails where EmailAddress(email) == nil {
            throw ValidationError("\(email): not a valid email address")
        }
        guard !countries.isEmpty else { throw ValidationError("give at least one --country") }
        _ = try parseCountries(countries)
        for topic in topics where Topic(topic) == nil {
            throw ValidationError("--topic \(topic): use lower-case letters, digits and -")
        }
        if let hour, !(0...23).contains(hour) { throw ValidationError("--hour must be 0-23") }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw ValidationError("--time-zone \(timeZone): not an IANA time zone such as Europe/Berlin")
        }
        guard Subscription.Frequency(rawValue: frequency) != nil else {
            throw ValidationError("--frequency must be daily, weekdays or weekly")
        }
        guard Self.isoWeekday(weekday) != nil else {
            throw ValidationError("--weekday must be monday … sunday or 1 … 7")
        }
        guard Subscription.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be html or text")
        }
    }

    func run() async throws {
        let gazette = try await options.openGazette()
        let defaults = gazette.configuration.scheduling
        let preferences = SubscriptionPreferences(
            countries: try parseCountries(countries),
            topics: topics.compactMap(Topic.init),
            frequency: Subscription.Frequency(rawValue: frequency)!,
            sendHour: hour ?? defaults.defaultHour,
            weekday: Self.isoWeekday(weekday)!,
            timeZone: timeZone.flatMap(TimeZone.init(identifier:)) ?? defaults.defaultTimeZone,
            format: Subscription.Format(rawValue: format)!
        )
        for email in emails {
            let record = try await CommandFailure.wrap {
                try await gazette.store.subscribe(
                    EmailAddress(email)!,
                    preferences: preferences,
                    status: .active,
                    now: Date()
                )
            }
            print("subscribed \(record.subscriber.email): \(ReportPrinter.describe(record.subscription))")
        }
    }
}

extension Subscribe {
    /// 1 Monday … 7 Sunday, from a name (`monday`, `Mon`) or a number.
    static func isoWeekday(_ text: String) -> Int? {
        if let number = Int(text) { return (1...7).contains(number) ? number : nil }
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        let lowered = text.lowercased()
        guard lowered.count >= 3 else { return nil }
        return names.firstIndex { $0.hasPrefix(lowered) }.map { $0 + 1 }
    }
}

struct Unsubscribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Stop sending digests to an address."
    )
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The subscriber's email address.") var email: String

    func run() async throws {
        guard let address = EmailAddress(email) else { throw ValidationError("\(email): not a valid email address") }
        let gazette = try await options.openGazette()
        guard try await gazette.store.unsubscribe(address) else {
            throw CommandFailure("no subscriber \(address)")
        }
        print("unsubscribed \(address)")
    }
}

struct Subscribers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers",
        abstract: "List subscribers and what they receive."
    )
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON, one object per subscriber.") var json = false

    func run() async throws {
        let gazette = try await options.openGazette()
        let records = try await gazette.store.allSubscribers()
        if json {
            print(try ReportPrinter.json(records))
        } else {
            for record in records {
                print(
                    "\(record.subscriber.email)\t\(record.subscriber.status.rawValue)\t\(ReportPrinter.describe(record.subscription))"
                )
            }
        }
    }
}

struct Digest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print a subscriber's digest as it would be sent now, without sending it."
    )
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, html, eml
    }
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The subscriber's email address.") var email: String
    @Option(help: "text, html, or eml (the whole message).") var format: Format = .text

    func run() async throws {
        guard let address = EmailAddress(email) else { throw ValidationError("\(email): not a valid email address") }
        let gazette = try await options.openGazette()
        let digest = try await CommandFailure.wrap { try await gazette.previewDigest(for: address) }
        switch format {
        case .text: print(digest.message.text)
        case .html: print(digest.message.html ?? gazette.renderer.html(digest.content))
        case .eml: FileHandle.standardOutput.write(Data(digest.message.bytes()))
        }
    }
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Build and deliver the digests that are due.",
        discussion: "A digest already delivered for its period is never sent again. Exits 1 when a delivery failed."
    )
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Send to every active subscription now, whatever its hour.") var now = false

    func run() async throws {
        let gazette = try await options.openGazette()
        let progress = TerminalProgress("send")
        let reports = try await CommandFailure.wrap {
            try await gazette.send(
                force: now,
                transport: try gazette.makeTransport(),
                progress: { attempted in progress.update("\(attempted) messages attempted") }
            )
        }
        progress.finish()
        ReportPrinter.print(reports)
        let failed = reports.filter {
            if case .attempted(let status, _, _) = $0.outcome { return status != .delivered }
            return false
        }
        if !failed.isEmpty { throw CommandFailure("\(failed.count) deliveries did not succeed") }
    }
}

struct Feeds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "Write country/{cc}.rss|atom and topic/{slug}.rss|atom for every country and topic with articles."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "The output folder (default: feeds.outputDirectory).") var out: String?

    func run() async throws {
        let gazette = try await options.openGazette()
        let folder = URL(fileURLWithPath: out ?? gazette.configuration.feeds.outputDirectory)
        let files = try await CommandFailure.wrap { try await gazette.writeFeeds(to: folder) }
        for file in files { print(file.path) }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the bundled sample feeds: ingest, subscribe, feeds, deliver to an outbox."
    )
    @Option(help: "Where the demo writes its database, feeds and outbox.") var dir = "gazette-demo"
    @Flag(name: .long, help: "Log every step.") var verbose = false

    func run() async throws {
        let samples = try Resources.samples()
        var configuration = try GazetteConfiguration.load(
            contentsOf: samples.appendingPathComponent("gazette.sample.json")
        )
        let folder = URL(fileURLWithPath: dir).standardizedFileURL
        // Each demo starts from an empty database, so that it can be run again and again.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("gazette.sqlite" + suffix))
        }
        configuration.database.path = folder.appendingPathComponent("gazette.sqlite").path
        configuration.delivery.outboxDirectory = folder.appendingPathComponent("outbox").path
        configuration.feeds.outputDirectory = folder.appendingPathComponent("public/feeds").path
        var options = GlobalOptions()
        options.verbose = verbose
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: try Resources.templates(),
            logger: options.makeLogger()
        )
        let report = try await CommandFailure.wrap { try await gazette.runDemo() }
        ReportPrinter.print(report)
    }
}

struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "Show each feed's status, last success, last error and articles in the last 24 hours."
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let gazette = try await options.openGazette()
        for status in try await gazette.feedStatuses() {
            let health: String
            switch status.health {
            case .new: health = "new (never fetched)"
            case .ok: health = "ok"
            case .failing(let failures): health = "failing (\(failures) in a row)"
            case .backingOff(let until, let failures):
                health = "backing off until \(until.formatted(.iso8601)) (\(failures) failures)"
            case .disabled(let failures):
                health = "DISABLED after \(failures) failures: `gazette ingest --retry` to try again"
            }
            print("\(status.sourceID)  \(status.url)")
            print("    status:       \(health)")
            print("    last success: \(status.lastSuccessAt.map { $0.formatted(.iso8601) } ?? "never")")
            if let error = status.lastError { print("    last error:   \(error)") }
            print("    articles 24h: \(status.articlesLastDay)")
        }
    }
}

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete what `retention` no longer keeps: old articles and old editions' messages.",
        discussion: """
            Articles first seen and published more than retention.articleDays ago (default 90), and \
            the rendered message of editions delivered or failed more than retention.editionDays ago \
            (default 60). Editions and their deliveries stay in the ledger. `gazette run` does this \
            once a day.
            """
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let gazette = try await options.openGazette()
        let counts = try await gazette.prune()
        print(
            "deleted \(counts.articles) articles, \(counts.editionBodies) edition messages, "
                + "\(counts.skippedEditions) skipped-edition records"
        )
    }
}
