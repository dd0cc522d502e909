import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Logging

/// What a web sign-up did. The page says the same in every case, so that nobody can learn from
/// it whether an address is subscribed; tests and logs see the difference.
public enum SignupOutcome: Sendable, Equatable {
    case confirmationSent
    /// The confirmation email could not be handed over now (the reason); the address stays pending.
    case confirmationNotSent(String)
    /// Already active: nothing changes and nothing is sent (preferences change at /manage).
    case alreadyActive
    /// A confirmation went to this address less than a day ago: no second one.
    case recentlySent
}

extension Gazette {
    /// How long a confirmation link works.
    public static let confirmationValidity: TimeInterval = 48 * 3_600

    /// Double opt-in, first step: the address becomes pending with these preferences and gets
    /// one confirmation email (at most one a day).
    public func requestSubscription(
        _ email: EmailAddress,
        preferences: SubscriptionPreferences,
        transport: any MailTransport
    ) async throws -> SignupOutcome {
        let date = now()
        if let existing = try await store.subscriber(email) {
            if existing.subscriber.status == .active { return .alreadyActive }
            if let sent = try await store.confirmationSentAt(email), date.timeIntervalSince(sent) < 86_400 {
                return .recentlySent
            }
        }
        let record = try await store.subscribe(email, preferences: preferences, status: .pending, now: date)
        // Confirmed since the check above (their click raced this form): the store left it as it was.
        if record.subscriber.status == .active { return .alreadyActive }
        var scope = preferences.countries.map(\.name).joined(separator: ", ")
        if !preferences.topics.isEmpty { scope += " (" + preferences.topics.map(\.slug).joined(separator: ", ") + ")" }
        let content = ConfirmationContent(
            siteTitle: configuration.site.title,
            recipient: email,
            scope: scope,
            confirmURL: siteURL("confirm/" + token(for: record.subscriber, action: .confirm)),
            validHours: Int(Self.confirmationValidity / 3_600)
        )
        let message = renderer.confirmationEmail(
            content,
            from: configuration.delivery.from,
            to: email,
            messageID: "confirm.\(Int(date.timeIntervalSince1970)).\(StableHash.hex(email.value))"
                + "@\(configuration.delivery.from.address.domain)",
            date: date
        )
        // Signed like the digests: a domain that publishes DMARC must not lose its sign-ups. A key
        // that cannot be read stops here, before the address is marked as sent to.
        let bytes = try Self.signed(message, by: configuration.delivery.dkim.map { try DKIMSigner($0) }, at: date)
        // The check above is quick; this claim is the one that counts when sign-ups race.
        guard try await store.claimConfirmation(email, at: date, notAfter: date.addingTimeInterval(-86_400)) else {
            return .recentlySent
        }
        let outcome = await transport.deliver(
            bytes,
            messageID: message.messageID,
            from: configuration.delivery.from.address,
            to: email
        )
        logger.info("confirmation email", metadata: ["delivery.status": "\(outcome.status.rawValue)"])
        guard outcome.status == .delivered else {
            // Nothing reached the reader: the next sign-up may send one, today.
            try await store.releaseConfirmation(email, claimedAt: date)
            return .confirmationNotSent(outcome.detail)
        }
        return .confirmationSent
    }

    /// Double opt-in, second step: the pending subscriber that a confirmation token (signed, at
    /// most `confirmationValidity` old) names becomes active. Confirming twice finds them active
    /// and says so; an address unsubscribed since is not brought back by an old link.
    public func confirmSubscription(token: String) async throws -> TokenLookup {
        let record: SubscriberRecord
        switch try await subscriber(for: token, action: .confirm) {
        case .found(let found): record = found
        case .expired: return .expired
        case .invalid: return .invalid
        }
        switch record.subscriber.status {
        case .active: return .found(record)
        case .unsubscribed: return .invalid
        case .pending:
            if let confirmed = try await store.confirm(token: record.subscriber.token) { return .found(confirmed) }
            // Two clicks at once: the other request confirmed it first.
            guard let now = try await store.subscriber(token: record.subscriber.token), now.subscriber.status == .active
            else { return .invalid }
            return .found(now)
        }
    }
}
