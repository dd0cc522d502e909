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

    @Test(
        "the delivery queue: a domain at its share waits, a throttled domain is handed back, a message given back goes first, finish and halt stop"
    )
    func deliveryQueue() {
        let queue = DeliveryQueue<String>(perDomain: 1, pacer: Pacer(messagesPerSecond: 0))
        for (job, domain) in [("a1", "a.org"), ("a2", "a.org"), ("b1", "b.org"), ("c1", "c.org"), ("c2", "c.org")] {
            queue.push(job, domain: domain)
        }
        #expect(queue.take()?.job == "a1")
        // a2 waits: a.org has its one message in progress.
        #expect(queue.take()?.job == "b1")
        #expect(queue.throttle("c.org") == ["c1", "c2"])
        queue.done("a.org")
        // Taken, then given back by a worker that is stopping: first again, and its domain free.
        #expect(queue.take()?.job == "a2")
        queue.giveBack("a2", domain: "a.org")
        #expect(queue.count == 1)
        #expect(queue.take()?.job == "a2")
        queue.push("c3", domain: "c.org")
        queue.finish()
        // Only a throttled domain's message is left: finished means stop, and it is drained.
        #expect(queue.take() == nil)
        #expect(queue.drain() == ["c3"])
        let halted = DeliveryQueue<String>(perDomain: 2, pacer: Pacer(messagesPerSecond: 0))
        halted.push("x", domain: "x.org")
        halted.halt()
        #expect(halted.take() == nil)
        #expect(halted.drain() == ["x"])
    }

    @Test("a worker that must wait for a message says so first, and again once it has one")
    func idleAndBusy() {
        let queue = DeliveryQueue<String>(perDomain: 1, pacer: Pacer(messagesPerSecond: 0))
        var told: [String] = []
        queue.push("a1", domain: "a.org")
        // A message is there: the worker does not wait, and nothing is said.
        #expect(queue.take(idle: { told.append("idle") }, busy: { told.append("busy") })?.job == "a1")
        #expect(told.isEmpty)
        // Nothing to take: told before it blocks (here the hook queues a message, as the run
        // does once it hears of the worker's last row), then it takes that message.
        let next = queue.take(
            idle: {
                told.append("idle")
                queue.push("b1", domain: "b.org")
            },
            busy: { told.append("busy") }
        )
        #expect(next?.job == "b1")
        #expect(told == ["idle", "busy"])
        // Halted while it waited: busy too, as it returns nil (the worker then stops).
        told = []
        #expect(
            queue.take(
                idle: {
                    told.append("idle"); queue.halt()
                },
                busy: { told.append("busy") }
            ) == nil
        )
        #expect(told == ["idle", "busy"])
        // A message in hand but the pacer's 100 ms before it: idle while it sleeps.
        let paced = DeliveryQueue<String>(perDomain: 2, pacer: Pacer(messagesPerSecond: 10))
        paced.push("p1", domain: "p.org")
        paced.push("p2", domain: "p.org")
        told = []
        #expect(paced.take(idle: { told.append("idle") }, busy: { told.append("busy") })?.job == "p1")
        #expect(told.isEmpty)
        #expect(paced.take(idle: { told.append("idle") }, busy: { told.append("busy") })?.job == "p2")
        #expect(told == ["idle", "busy"])
    }
}
