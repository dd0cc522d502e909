import Foundation
import GazetteApp
import GazetteCore
import GazetteMail
import GazetteStore
import Logging
import TestSupport
import Testing

/// The double opt-in's confirmation email, at most one a day per address: a failed one is
/// given back, and sign-ups that race for one address send one email between them.
@Suite("Sign-up confirmations")
struct ConfirmationTests {
    let folder: TemporaryDirectory
    let gazette: Gazette
    let preferences = SubscriptionPreferences(countries: [Country(code: "JP")!])

    init() async throws {
        folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:]
        )
    }

    func outbox(_ name: String) -> OutboxTransport { OutboxTransport(directory: folder.file(name)) }

    func emails(in name: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.file(name).path)) ?? [])
            .filter { $0.hasSuffix(".eml") }.count
    }

    @Test(
        "a confirmation that could not be handed over does not hold back the next sign-up; a sent one does, for a day"
    )
    func failedIsGivenBack() async throws {
        let email = EmailAddress("newcomer@example.org")!
        // An outbox inside a regular file cannot be written: nothing is handed over.
        try Data("not a folder".utf8).write(to: folder.file("blocked"))
        let failed = try await gazette.requestSubscription(
            email,
            preferences: preferences,
            transport: outbox("blocked/outbox")
        )
        guard case .confirmationNotSent = failed else {
            Issue.record("expected confirmationNotSent, got \(failed)")
            return
        }
        #expect(
            try await gazette.requestSubscription(email, preferences: preferences, transport: outbox("sent"))
                == .confirmationSent
        )
        #expect(
            try await gazette.requestSubscription(email, preferences: preferences, transport: outbox("sent"))
                == .recentlySent
        )
        #expect(emails(in: "sent") == 1)
    }

    @Test("sign-ups for one address at the same moment send one confirmation between them")
    func racingSignUps() async throws {
        let email = EmailAddress("eager@example.org")!
        let transport = outbox("race")
        let outcomes = try await withThrowingTaskGroup(of: SignupOutcome.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await gazette.requestSubscription(email, preferences: preferences, transport: transport)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .confirmationSent }.count == 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { $0 == .confirmationSent || $0 == .recentlySent }, "\(outcomes)")
        #expect(emails(in: "race") == 1)
    }
}
