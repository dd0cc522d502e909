import Curl
import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Logging

/// What `send` did for one subscriber.
public struct SendReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case notDue
        case noNews
        /// This period's edition was delivered before; it is never sent twice.
        case alreadySent
        /// This period's edition was refused for good (5xx) before; it is not tried again.
        case failedBefore(String)
        case attempted(Delivery.Status, replyCode: Int?, detail: String)
    }

    public var email: EmailAddress
    public var period: String
    public var articleCount: Int
    public var outcome: Outcome
}

extension Gazette {
    /// The transport the configuration asks for. The SMTP password is read from the environment
    /// variable the config names; its value is never logged or shown in an error.
    public func makeTransport(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> any MailTransport
    {
        let delivery = configuration.delivery
        switch delivery.mode {
        case .outbox:
            return OutboxTransport(directory: URL(fileURLWithPath: delivery.outboxDirectory))
        case .smtp:
            guard let smtp = delivery.smtp else { throw GazetteError("delivery.smtp: missing") }
            var password: String?
            if let variable = smtp.passwordEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw GazetteError(
                        "delivery.smtp.passwordEnv: the environment variable \(variable) is not set"
                    )
                }
                password = value
            }
            return SMTPTransport(
                server: SMTPServer(
                    url: smtp.url,
                    heloName: configuration.site.baseURL.host ?? "localhost",
                    username: smtp.username,
                    password: password
                )
            )
        }
    }

    /// Builds and delivers every digest that is due (all active ones with `force`). Each edition
    /// is recorded before it is sent, and one that was delivered is never sent again.
    public func send(force: Bool = false, transport: any MailTransport) async throws -> [SendReport] {
        guard let lock = try ProcessLock(path: configuration.database.path + ".send.lock") else {
            throw GazetteError("another `gazette send` is running on \(configuration.database.path); try again later")
        }
        defer { withExtendedLifetime(lock) {} }
        let date = now()
        var reports: [SendReport] = []
        for record in try await store.activeSubscribers() {
            let subscription = record.subscription
            let period = Self.period(of: subscription, at: date)
            func report(_ outcome: SendReport.Outcome, count: Int = 0) {
                reports.append(
                    SendReport(email: record.subscriber.email, period: period, articleCount: count, outcome: outcome)
                )
            }
            guard force || Self.isDue(subscription, at: date) else {
                report(.notDue)
                continue
            }
            guard let subscriptionID = subscription.id else { continue }
            let edition: Edition
            let message: MailMessage
            if let existing = try await store.edition(subscriptionID: subscriptionID, period: period) {
                let deliveries = try await store.deliveries(editionID: existing.id!)
                if deliveries.contains(where: { $0.status == .delivered }) {
                    report(.alreadySent, count: existing.articleIDs.count)
                    continue
                }
                if let refusal = deliveries.last(where: { $0.status == .failed }) {
                    report(.failedBefore(refusal.replyText ?? "refused"), count: existing.articleIDs.count)
                    continue
                }
                // A retry sends the edition as it was rendered, not today's latest.
                edition = existing
                message = self.message(of: existing, for: record)
            } else {
                let stories = try await selectStories(for: subscription, until: date)
                guard !stories.isEmpty || configuration.digest.sendEmptyEditions else {
                    report(.noNews)
                    continue
                }
                let digest = prepare(record, stories: stories, period: period)
                message = digest.message
                edition = try await store.claimEdition(
                    Edition(
                        subscriptionID: subscriptionID,
                        period: period,
                        messageID: digest.message.messageID,
                        articleIDs: digest.articleIDs,
                        createdAt: date,
                        key: digest.editionKey,
                        subject: digest.message.subject,
                        html: digest.message.html,
                        text: digest.message.text
                    )
                ).edition
            }
            let articleCount = edition.articleIDs.count
            let outcome = await transport.deliver(
                message.bytes(),
                messageID: message.messageID,
                from: configuration.delivery.from.address,
                to: record.subscriber.email
            )
            try await store.recordDelivery(
                Delivery(
                    editionID: edition.id!,
                    recipient: record.subscriber.email,
                    status: outcome.status,
                    replyCode: outcome.replyCode,
                    replyText: outcome.detail,
                    attemptedAt: now()
                )
            )
            logger.info(
                "digest attempted",
                metadata: [
                    "subscriber.email": "\(record.subscriber.email)", "edition.period": "\(period)",
                    "delivery.status": "\(outcome.status.rawValue)",
                    "smtp.code": "\(outcome.replyCode.map(String.init) ?? "-")",
                ]
            )
            report(
                .attempted(outcome.status, replyCode: outcome.replyCode, detail: outcome.detail),
                count: articleCount
            )
        }
        return reports
    }
}
