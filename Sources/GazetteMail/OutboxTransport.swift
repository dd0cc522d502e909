import Foundation
import GazetteCore

/// Delivery into a folder: one `.eml` file per message, named by its Message-ID, written to a
/// temporary name and renamed, so a reader of the folder never sees half a message.
public struct OutboxTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome
    {
        write(message, messageID: messageID)
    }

    public func deliverBlocking(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        connection: Int,
        beforeHandover: @escaping () -> Bool
    ) -> TransportOutcome {
        write(message, messageID: messageID, beforeRename: beforeHandover)
    }

    private func write(_ message: [UInt8], messageID: String, beforeRename: () -> Bool = { true }) -> TransportOutcome {
        let file = directory.appendingPathComponent(Self.fileName(for: messageID))
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(message).write(to: temporary)
            guard beforeRename() else {
                try? FileManager.default.removeItem(at: temporary)
                return TransportOutcome(status: .deferred, replyCode: nil, detail: "outbox \(file.path): abandoned")
            }
            // rename(2) replaces atomically; a re-sent edition overwrites its own earlier file.
            guard rename(temporary.path, file.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
            }
            return TransportOutcome(status: .delivered, replyCode: nil, detail: file.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            return TransportOutcome(status: .deferred, replyCode: nil, detail: "outbox \(file.path): \(error)")
        }
    }

    /// The Message-ID reduced to characters that are safe in a file name everywhere.
    static func fileName(for messageID: String) -> String {
        let safe = messageID.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) ? $0 : "_" }
        return String(safe.prefix(200)) + ".eml"
    }
}
