import Testing

@testable import GazetteApp

@Suite("Fetch queue")
struct FetchQueueTests {
    @Test("never more than perHost jobs in flight for one host; other hosts go ahead")
    func perHost() {
        let urls = ["https://a.example/1", "https://a.example/2", "https://a.example/3", "https://b.example/1"]
        var queue = FetchQueue(urls, perHost: 2) { FetchQueue<String>.host(of: $0) }
        #expect(queue.next() == "https://a.example/1")
        #expect(queue.next() == "https://a.example/2")
        #expect(queue.next() == "https://b.example/1", "a.example is full, so b.example goes first")
        #expect(queue.next() == nil)
        queue.finished(host: "a.example")
        #expect(queue.next() == "https://a.example/3")
        #expect(queue.isEmpty)
    }

    @Test("hosts are compared case-insensitively; file: URLs share one")
    func hosts() {
        #expect(FetchQueue<String>.host(of: "https://News.Example.org/x") == "news.example.org")
        #expect(FetchQueue<String>.host(of: "file:///tmp/a.rss") == "local")
    }
}
