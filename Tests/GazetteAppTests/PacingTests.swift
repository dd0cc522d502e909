import Curl
import Foundation
import Testing

@testable import GazetteApp
@testable import GazetteMail

/// The two limits on how fast mail goes out, checked without waiting: the message rate and the
/// connections per recipient domain.
@Suite("Delivery pacing")
struct PacingTests {
    @Test("messagesPerSecond spaces message starts evenly and never bunches them after a pause")
    func rate() {
        var pacer = Pacer(messagesPerSecond: 4)
        let start = ContinuousClock.now
        let waits = (0..<4).map { _ in pacer.reserve(at: start) }
        #expect(waits == [.zero, .milliseconds(250), .milliseconds(500), .milliseconds(750)])
        // After a long pause the next message goes at once, and the one after waits its turn.
        #expect(pacer.reserve(at: start + .seconds(10)) == .zero)
        #expect(pacer.reserve(at: start + .seconds(10)) == .milliseconds(250))
        var unlimited = Pacer(messagesPerSecond: 0)
        #expect((0..<100).allSatisfy { _ in unlimited.reserve(at: start) == .zero })
    }

    @Test("one recipient domain never holds more than its share of the connections")
    func perDomain() async throws {
        let server = Curl.SMTPServer(url: URL(string: "smtp://127.0.0.1:1")!)
        let pool = ConnectionPool(connections: (0..<3).map { _ in Curl.SMTPConnection(server: server) }, perDomain: 1)
        let first = await pool.acquire(domain: "example.org")
        let other = await pool.acquire(domain: "example.net")
        // A second example.org message must wait although a connection is idle.
        let waiting = Task { await pool.acquire(domain: "example.org") }
        let third = await pool.acquire(domain: "example.com")
        #expect(first !== other && other !== third)
        await pool.release(first, domain: "example.org")
        let second = await waiting.value
        #expect(second === first, "the released connection went to the waiting example.org message")
    }
}
