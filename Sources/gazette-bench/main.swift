// gazette-bench: throughput figures that need a store at reference scale, for bench/render.
// Not part of the user's CLI; built only when asked for (`swift build --product gazette-bench`).
import Foundation
import GazetteApp
import GazetteCore
import GazetteRender
import GazetteStore
import Logging

/// A reproducible stream of pseudo-random numbers (SplitMix64): the same store every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The reference scale: 50 countries, 3 outlets each, 500 articles a day; each event covered by
/// one to four outlets (the alternative takes), in words of a made-up vocabulary.
struct ReferenceStore {
    static let countries = [
        "AR", "AU", "AT", "BE", "BR", "CA", "CL", "CN", "CO", "CZ", "DE", "DK", "EG", "ES", "ET", "FI", "FR", "GB",
        "GH", "GR", "HU", "ID", "IE", "IL", "IN", "IT", "JP", "KE", "KR", "MA", "MX", "MY", "NG", "NL", "NO", "NZ",
        "PE", "PH", "PK", "PL", "PT", "RO", "SA", "SE", "SG", "TH", "TR", "UA", "US", "ZA",
    ].compactMap { Country(code: $0) }

    var random = SeededGenerator(state: 2026)
    let vocabulary: [String]

    init() {
        var random = SeededGenerator(state: 7)
        let syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "ni", "par", "quo", "ste", "ax", "bri"]
        vocabulary = (0..<4_000).map { _ in
            (0..<Int.random(in: 2...4, using: &random)).map { _ in syllables.randomElement(using: &random)! }
                .joined()
        }
    }

    var sources: [Source] {
        Self.countries.flatMap { country in
            (1...3).map { index in
                Source(
                    id: "\(country.slug)-\(index)",
                    name: "\(country.name) Outlet \(index)",
                    country: country,
                    language: "en",
                    feeds: ["https://outlet-\(index).\(country.slug).example/feed"]
                )
            }
        }
    }

    mutating func sentence(_ words: [String]) -> String {
        let picked = (0..<12).map { _ in
            Bool.random(using: &random)
                ? words.randomElement(using: &random)! : vocabulary.randomElement(using: &random)!
        }
        return picked.joined(separator: " ").capitalized + "."
    }

    /// `perDay` articles a day for `days` days before `end`.
    mutating func articles(perDay: Int, days: Int, end: Date) -> [Article] {
        var articles: [Article] = []
        let topics = TopicRules.standard.rules.keys.sorted()
        let sources = sources
        while articles.count < perDay * days {
            let eventWords = (0..<8).map { _ in vocabulary.randomElement(using: &random)! }
            let published = end.addingTimeInterval(-Double.random(in: 0..<(Double(days) * 86_400), using: &random))
            let topic = topics.randomElement(using: &random)!
            let home = sources.randomElement(using: &random)!
            for take in 0..<Int.random(in: 1...4, using: &random) {
                let source = take == 0 ? home : sources.randomElement(using: &random)!
                let text = (0..<6).map { _ in sentence(eventWords) }.joined(separator: " ")
                articles.append(
                    Article(
                        sourceID: source.id,
                        guid: "\(source.id)-\(articles.count)",
                        url: "https://\(source.id).example/\(articles.count)",
                        title: sentence(eventWords),
                        text: text,
                        publishedAt: published.addingTimeInterval(Double(take) * 1_800),
                        fetchedAt: min(end, published.addingTimeInterval(Double(take) * 1_800 + 600)),
                        country: source.country,
                        language: "en",
                        topics: [topic]
                    )
                )
            }
        }
        return articles
    }
}

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

/// Profiles only what follows the setup: under `perf record --control fifo:FIFO -D -1`, with
/// GAZETTE_BENCH_PERF_FIFO=FIFO, tells perf to start recording now.
func profileFromHere() {
    guard let fifo = ProcessInfo.processInfo.environment["GAZETTE_BENCH_PERF_FIFO"],
        let handle = FileHandle(forWritingAtPath: fifo)
    else { return }
    handle.write(Data("enable\n".utf8))
    try? handle.close()
}

/// User and system CPU time of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

@main
struct Bench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        switch arguments.first {
        case "render": try await render(arguments.dropFirst())
        case "smtp": try await smtp(arguments.dropFirst())
        default:
            print("usage: gazette-bench render [SUBSCRIBERS] | smtp PORT MESSAGES BYTES CONNECTIONS")
            exit(2)
        }
    }

    /// `gazette send` delivering MESSAGES queued editions of about BYTES each over CONNECTIONS
    /// to an SMTP server on 127.0.0.1:PORT, every attempt recorded in the SQLite ledger.
    static func smtp(_ arguments: ArraySlice<String>) async throws {
        let numbers = arguments.compactMap { Int($0) }
        guard numbers.count == 4 else {
            print("usage: gazette-bench smtp PORT MESSAGES BYTES CONNECTIONS")
            exit(2)
        }
        let (port, count, size, connections) = (numbers[0], numbers[1], numbers[2], numbers[3])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gazette-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let end = Date(timeIntervalSince1970: 1_795_900_000)
        var configuration = GazetteConfiguration(
            sources: [ReferenceStore().sources[0]],
            database: .init(path: folder.appendingPathComponent("bench.sqlite").path),
            delivery: .init(mode: .smtp, from: MailboxName(parsing: "Gazette <digest@news.example.org>")!),
            site: .init(baseURL: URL(string: "https://news.example.org")!)
        )
        var smtp = GazetteConfiguration.SMTP(url: URL(string: "smtp://127.0.0.1:\(port)")!)
        smtp.connections = connections
        smtp.perDomainConnections = connections
        configuration.delivery.smtp = smtp
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: try Resources.templates(),
            logger: logger,
            now: { end }
        )
        // The queued editions a day's send would hold, each a text digest of about `size` bytes.
        let line = String(repeating: "All the news that fits, in seventy-two columns or fewer. ", count: 1) + "\n"
        let body = String(String(repeating: line, count: size / line.utf8.count + 1).prefix(max(0, size - 700)))
        for index in 0..<count {
            let record = try await gazette.store.subscribe(
                EmailAddress("reader\(index)@example.org")!,
                preferences: SubscriptionPreferences(countries: [ReferenceStore.countries[0]], format: .text),
                status: .active,
                now: end
            )
            let period = Gazette.period(of: record.subscription, at: end)
            _ = try await gazette.store.claimEdition(
                Edition(
                    subscriptionID: record.subscription.id!,
                    period: period,
                    messageID: "\(period).\(index)@news.example.org",
                    articleIDs: [],
                    createdAt: end,
                    key: "\(period)-\(index)",
                    subject: "Gazette: benchmark \(index)",
                    text: body,
                    recipient: record.subscriber.email.value
                )
            )
        }
        profileFromHere()
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        let reports = try await gazette.send(force: true, transport: try gazette.makeTransport())
        let elapsed = seconds(start)
        let cpu = cpuSeconds() - cpuBefore
        let delivered = reports.filter {
            if case .attempted(.delivered, _, _) = $0.outcome { return true }
            return false
        }.count
        // A second run finds every edition delivered: what the per-subscriber checks cost alone.
        let again = ContinuousClock.now
        _ = try await gazette.send(force: true, transport: try gazette.makeTransport())
        print(
            String(
                format: "gazette: %d of %d delivered in %.3f s: %.0f msgs/s, %.0f µs CPU a message"
                    + " (a run with nothing to send: %.3f s)",
                delivered,
                count,
                elapsed,
                Double(delivered) / elapsed,
                cpu / Double(max(delivered, 1)) * 1e6,
                seconds(again)
            )
        )
    }

    static func render(_ arguments: ArraySlice<String>) async throws {
        let subscriberCount = arguments.first.flatMap { Int($0) } ?? 2_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gazette-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var reference = ReferenceStore()
        let end = Date(timeIntervalSince1970: 1_795_900_000)
        var configuration = GazetteConfiguration(
            sources: reference.sources,
            database: .init(path: folder.appendingPathComponent("bench.sqlite").path),
            delivery: .init(from: MailboxName(parsing: "Gazette <digest@news.example.org>")!),
            site: .init(baseURL: URL(string: "https://news.example.org")!)
        )
        configuration.digest.maxStories = 10
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: try Resources.templates(),
            logger: Logger(label: "bench"),
            now: { end }
        )
        var start = ContinuousClock.now
        let articles = reference.articles(perDay: 500, days: 2, end: end)
        _ = try await gazette.store.saveArticles(articles)
        try await gazette.updateStories()
        var random = SeededGenerator(state: 99)
        var emails: [EmailAddress] = []
        for index in 0..<subscriberCount {
            let countries = Array(
                ReferenceStore.countries.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random))
            )
            let email = EmailAddress("reader\(index)@example.org")!
            _ = try await gazette.store.subscribe(
                email,
                preferences: SubscriptionPreferences(countries: countries),
                status: .active,
                now: end
            )
            emails.append(email)
        }
        print(
            String(
                format: "store: %d articles in 2 days, 50 countries, 150 outlets; %d subscribers (%.1f s to build)",
                articles.count,
                subscriberCount,
                seconds(start)
            )
        )

        // Selection from the store, stories and summaries, and rendering: one core, one at a
        // time, as a send builds its editions (the subscribers read at once, the store reads
        // shared by the run's digests).
        start = ContinuousClock.now
        let cpuBefore = cpuSeconds()
        let reads = SelectionReads()
        var prepared: [PreparedDigest] = []
        for record in try await gazette.store.activeSubscribers() {
            prepared.append(try await gazette.previewDigest(for: record, reads: reads))
        }
        let full = seconds(start)
        let fullCPU = cpuSeconds() - cpuBefore
        precondition(prepared.count == emails.count, "a digest for every subscriber")
        let stories = prepared.map { $0.content.articleCount }
        let average = Double(stories.reduce(0, +)) / Double(max(stories.count, 1))

        // Rendering alone, from the selected stories: HTML and text from the templates, the MIME
        // message. From nothing, as a send starts: each story is rendered once, by the first
        // digest that has it, and reused by the others. Five rounds, each from nothing; the
        // median is printed (this machine's timings vary by a third from run to run).
        let rounds = 5
        var renderRounds: [Double] = []
        var htmlRounds: [Double] = []
        var textRounds: [Double] = []
        var mimeRounds: [Double] = []
        var bytes = 0
        for _ in 0..<rounds {
            gazette.renderer.forgetStoryFragments()
            start = ContinuousClock.now
            bytes = 0
            for digest in prepared {
                let message = gazette.renderer.email(
                    digest.content,
                    format: .html,
                    from: configuration.delivery.from,
                    to: digest.record.subscriber.email,
                    links: DigestLinks(
                        unsubscribe: URL(string: digest.content.unsubscribeURL)!,
                        unsubscribeMailto: digest.message.listUnsubscribeMailto,
                        manage: URL(string: digest.content.manageURL)!,
                        archive: URL(string: digest.content.archiveURL)!
                    ),
                    messageID: digest.message.messageID,
                    date: end
                )
                bytes += message.bytes().count
            }
            renderRounds.append(seconds(start))
            // Where rendering goes: each template (from nothing again), then the MIME encoding.
            gazette.renderer.forgetStoryFragments()
            start = ContinuousClock.now
            var htmlParts: [String] = []
            for digest in prepared { htmlParts.append(gazette.renderer.html(digest.content)) }
            htmlRounds.append(seconds(start))
            start = ContinuousClock.now
            var textParts: [String] = []
            for digest in prepared { textParts.append(gazette.renderer.text(digest.content)) }
            textRounds.append(seconds(start))
            start = ContinuousClock.now
            var encoded = 0
            for (digest, (html, text)) in zip(prepared, zip(htmlParts, textParts)) {
                var message = digest.message
                message.html = html
                message.text = text
                encoded += message.bytes().count
            }
            precondition(encoded == bytes, "the same messages, encoded twice")
            mimeRounds.append(seconds(start))
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let render = median(renderRounds)
        let (htmlSeconds, textSeconds, mimeSeconds) = (median(htmlRounds), median(textRounds), median(mimeRounds))
        print(
            String(
                format: "stories per digest: %.1f; message size: %.1f KB on average",
                average,
                Double(bytes) / Double(max(prepared.count, 1)) / 1024
            )
        )
        print(
            String(
                format: "select + summarize + render: %.0f digests/s (%.3f s for %d; %.3f s of CPU)",
                Double(prepared.count) / full,
                full,
                prepared.count,
                fullCPU
            )
        )
        print(
            String(
                format: "render only (HTML + text + MIME): %.0f digests/s (%.3f s; median of %d rounds,"
                    + " fastest %.0f/s, slowest %.0f/s)",
                Double(prepared.count) / render,
                render,
                rounds,
                Double(prepared.count) / renderRounds.min()!,
                Double(prepared.count) / renderRounds.max()!
            )
        )
        let perDigest = { (seconds: Double) in seconds / Double(max(prepared.count, 1)) * 1e6 }
        print(
            String(
                format: "  each part alone (medians): digest.html %.0f µs, digest.txt %.0f µs, MIME %.0f µs per digest",
                perDigest(htmlSeconds),
                perDigest(textSeconds),
                perDigest(mimeSeconds)
            )
        )
        print(String(format: "peak memory: %.0f MB", peakMemoryMB()))
    }
}
