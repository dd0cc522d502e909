import Foundation
import TestSupport
import Testing

/// Delivery that survives being killed: `gazette send` (the real executable) is killed with
/// SIGKILL at random moments while it renders and sends 2,000 digests over 4 connections to an
/// SMTP server on loopback, and restarted each time (Tests/peers/crash_test.py).
@Suite("Delivery under SIGKILL")
struct CrashTests {
    @Test("2,000 digests, 10+ kills: every edition delivered, none lost, duplicates only for messages in flight")
    func killedAndRestarted() throws {
        let folder = try TemporaryDirectory()
        let output = try Peers.runScript(
            "crash_test.py",
            [
                Paths.gazetteExecutable.path, folder.url.path, "--subscribers", "2000", "--kills", "10",
                "--connections", "4",
            ]
        )
        let result = try Peers.json(output)
        #expect(result["editions"] as? Int == 2_000)
        #expect(result["delivered"] as? Int == 2_000, "\(result)")
        #expect(result["lost"] as? Int == 0)
        #expect(result["unknown"] as? Int == 0, "nothing received that the ledger does not know")
        #expect((result["kills"] as? Int ?? 0) >= 10)
        #expect((result["killsWhileDelivering"] as? Int ?? 0) >= 5)
        let duplicates = result["duplicates"] as? Int ?? .max
        #expect(duplicates <= result["allowedDuplicates"] as? Int ?? 0, "\(result)")
    }
}
