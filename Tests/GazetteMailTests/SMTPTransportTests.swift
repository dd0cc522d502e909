import Curl
import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import TestSupport
import Testing

/// Sends through libcurl to a real SMTP server (aiosmtpd) on 127.0.0.1 and reads back what it got.
@Suite("SMTP delivery to a real server")
struct SMTPTransportTests {
    let mailbox: TemporaryDirectory
    let server: PeerServer
    let transport: SMTPTransport

    init() throws {
        mailbox = try TemporaryDirectory()
        server = try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path])
        transport = SMTPTransport(
            server: SMTPServer(
                url: URL(string: "smtp://127.0.0.1:\(server.port)")!,
                heloName: "gazette.test",
                timeoutSeconds: 20
            )
        )
    }

    func message(to recipient: String, subject: String = "Gazette: Zürich, 東京 & São Paulo — 29 Nov 2026") -> MailMessage
    {
        MailMessage(
            from: MailboxName(parsing: "Gazette <digest@news.example.org>")!,
            to: EmailAddress(recipient)!,
            subject: subject,
            date: Date(timeIntervalSince1970: 1_795_900_000),
            messageID: "2026-11-29.1.\(recipient)",
            listUnsubscribe: URL(string: "https://news.example.org/unsubscribe/t")!,
            text: "Hello.\n.\nA line with only a dot above, which SMTP must stuff.\n"
                + String(repeating: "long ", count: 100),
            html: "<p>Hello &amp; welcome</p>"
        )
    }

    func send(_ message: MailMessage) async -> TransportOutcome {
        await transport.deliver(
            message.bytes(),
            messageID: message.messageID,
            from: message.from.address,
            to: message.to
        )
    }

    @Test("a digest arrives intact: 250, no MIME defects, both parts, subject decodes to what was sent")
    func delivered() async throws {
        let message = message(to: "reader@example.org")
        let outcome = await send(message)
        #expect(outcome.status == .delivered)
        #expect(outcome.replyCode == 250)
        #expect(outcome.detail.contains("queued as 1"))
        let received = mailbox.file("1.eml")
        #expect(
            try Data(contentsOf: received) == Data(message.bytes()),
            "the bytes arrive unchanged (dot-stuffing undone)"
        )
        let parsed = try Peers.json(Peers.runScript("check_email.py", [received.path]))
        #expect((parsed["defects"] as? [String]) == [])
        #expect((parsed["parts"] as? [[String: Any]])?.map { $0["type"] as? String } == ["text/plain", "text/html"])
        #expect(parsed["subject"] as? String == message.subject)
        let envelope =
            try JSONSerialization.jsonObject(with: Data(contentsOf: mailbox.file("1.json"))) as? [String: Any]
        #expect(envelope?["from"] as? String == "digest@news.example.org")
        #expect(envelope?["to"] as? [String] == ["reader@example.org"])
    }

    @Test("one connection carries many messages, one envelope each")
    func reuse() async throws {
        for index in 1...5 {
            let outcome = await send(message(to: "reader\(index)@example.org"))
            #expect(outcome.replyCode == 250)
        }
        for index in 1...5 {
            let envelope =
                try JSONSerialization.jsonObject(with: Data(contentsOf: mailbox.file("\(index).json")))
                as? [String: Any]
            #expect(envelope?["to"] as? [String] == ["reader\(index)@example.org"])
        }
    }

    @Test("a 5xx is a permanent failure with the server's reply; the next message still goes through")
    func permanent() async throws {
        let outcome = await send(message(to: "reject@example.org"))
        #expect(outcome.status == .failed)
        #expect(outcome.replyCode == 550)
        #expect(outcome.detail.contains("mailbox unavailable"))
        #expect(await send(message(to: "reader@example.org")).replyCode == 250)
    }

    @Test("a 4xx is deferred for a later try")
    func temporary() async {
        let outcome = await send(message(to: "later@example.org"))
        #expect(outcome.status == .deferred)
        #expect(outcome.replyCode == 451)
    }

    /// `deliverBlocking` on a thread of its own, as a delivery worker calls it; `beforeHandover`
    /// also sees whether the server had stored the message by then.
    func sendBlocking(_ message: MailMessage, answer: Bool) async -> (TransportOutcome, [Bool]) {
        let asked = HandoverLog()
        let stored = mailbox.file("1.eml")
        let outcome = await withCheckedContinuation { continuation in
            Thread { [transport] in
                continuation.resume(
                    returning: transport.deliverBlocking(
                        message.bytes(),
                        messageID: message.messageID,
                        from: message.from.address,
                        to: message.to,
                        connection: 0,
                        beforeHandover: {
                            asked.append(FileManager.default.fileExists(atPath: stored.path))
                            return answer
                        }
                    )
                )
            }.start()
        }
        return (outcome, asked.entries)
    }

    @Test(
        "the handover condition is asked once, before the server holds the message",
        arguments: [1, 400]  // kilobytes: one read of libcurl's, and several
    )
    func handoverAsked(kilobytes: Int) async throws {
        var message = message(to: "reader@example.org")
        message.text = String(repeating: "All the news that fits.\n", count: kilobytes * 1_024 / 24)
        let (outcome, asked) = await sendBlocking(message, answer: true)
        #expect(outcome.replyCode == 250)
        #expect(asked == [false], "asked once, while the server did not have the message yet")
        #expect(try Data(contentsOf: mailbox.file("1.eml")) == Data(message.bytes()))
    }

    @Test("a handover condition that says no abandons the message: the server never takes it")
    func handoverRefused() async throws {
        let (outcome, asked) = await sendBlocking(message(to: "reader@example.org"), answer: false)
        #expect(asked == [false])
        #expect(outcome.status == .deferred)
        #expect(outcome.replyCode == 0)
        #expect(!FileManager.default.fileExists(atPath: mailbox.file("1.eml").path))
        // The connection is usable again: the next message goes through.
        #expect(await send(message(to: "reader2@example.org")).replyCode == 250)
        let envelope =
            try JSONSerialization.jsonObject(with: Data(contentsOf: mailbox.file("1.json"))) as? [String: Any]
        #expect(envelope?["to"] as? [String] == ["reader2@example.org"])
    }

    @Test("no server at all is deferred with reply code 0 and libcurl's reason")
    func noServer() async {
        let nowhere = SMTPTransport(server: SMTPServer(url: URL(string: "smtp://127.0.0.1:1")!, timeoutSeconds: 5))
        let message = message(to: "reader@example.org")
        let outcome = await nowhere.deliver(message.bytes(), messageID: "x", from: message.from.address, to: message.to)
        #expect(outcome.status == .deferred)
        #expect(outcome.replyCode == 0)
        #expect(!outcome.detail.isEmpty)
    }
}

@Suite("SMTP replies")
struct SMTPReplyTests {
    @Test(
        "the queue id is read from a 250 reply, whatever comes after it, and only from a 250",
        arguments: [
            (250, "250 2.0.0 Ok: queued as 4F2A13025", "4F2A13025"),
            (250, "250 2.0.0 Ok: queued as 1a-B.2 (more text)", "1a-B.2"),
            (250, "250 OK id=1rX queued as AbC9", "AbC9"),
            (250, "250 queued as ", nil),
            (250, "250 2.0.0 Ok", nil),
            (250, "250 queued a", nil),
            (250, "", nil),
            (451, "451 4.3.0 queued as 12345", nil),
        ] as [(Int, String, String?)]
    )
    func queueID(code: Int, text: String, expected: String?) {
        #expect(SMTPReply(code: code, text: text).queueID == expected)
    }
}

@Suite("Outbox delivery")
struct OutboxTransportTests {
    @Test("one .eml per message, named by its Message-ID, no temporary files left")
    func outbox() async throws {
        let folder = try TemporaryDirectory()
        let outbox = OutboxTransport(directory: folder.file("outbox"))
        let from = EmailAddress("digest@news.example.org")!
        let to = EmailAddress("reader@example.org")!
        let outcome = await outbox.deliver(
            Array("Subject: x\r\n\r\nbody\r\n".utf8),
            messageID: "a/../b@c",
            from: from,
            to: to
        )
        #expect(outcome.status == .delivered)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path)
        #expect(files == ["a_.._b@c.eml"], "the id cannot escape the folder")
        #expect(outcome.detail.hasSuffix("/outbox/a_.._b@c.eml"))
    }

    @Test("an outbox that cannot be written is deferred, with the path in the reason")
    func unwritable() async throws {
        let folder = try TemporaryDirectory()
        try Data("a file, not a folder".utf8).write(to: folder.file("outbox"))
        let outbox = OutboxTransport(directory: folder.file("outbox"))
        let outcome = await outbox.deliver(
            [65],
            messageID: "m@x",
            from: EmailAddress("a@b.org")!,
            to: EmailAddress("c@d.org")!
        )
        #expect(outcome.status == .deferred)
        #expect(outcome.detail.contains(folder.file("outbox").path))
    }
}

/// What a handover condition saw each time it was asked, from the worker's thread.
private final class HandoverLog: @unchecked Sendable {
    // @unchecked: `storage` is touched only with `lock` held.
    private let lock = NSLock()
    private var storage: [Bool] = []

    func append(_ entry: Bool) { lock.withLock { storage.append(entry) } }
    var entries: [Bool] { lock.withLock { storage } }
}
