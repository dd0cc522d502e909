import Curl
import Foundation
import GazetteCore

/// Delivery over SMTP through one reused libcurl connection, one envelope per recipient.
public struct SMTPTransport: MailTransport {
    private let connection: SMTPConnection

    public init(server: SMTPServer) {
        connection = SMTPConnection(server: server)
    }

    public func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome
    {
        let reply = await connection.send(from: from.value, to: to.value, message: message)
        return TransportOutcome(status: Self.status(of: reply), replyCode: reply.code, detail: reply.text)
    }

    /// 2xx delivered; 5xx failed for good; 4xx or no reply at all: worth another try later.
    static func status(of reply: SMTPReply) -> Delivery.Status {
        if reply.isSuccess { return .delivered }
        if reply.isPermanentFailure { return .failed }
        return .deferred
    }
}
