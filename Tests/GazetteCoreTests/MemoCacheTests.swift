import Testing

@testable import GazetteCore

@Suite("Memo cache")
struct MemoCacheTests {
    @Test("a value is made once per key; past its capacity the cache starts again")
    func memo() {
        let cache = MemoCache<String, Int>(capacity: 2)
        var made = 0
        let make = { () -> Int in
            made += 1
            return made
        }
        #expect(cache.value("a", make: make) == 1)
        #expect(cache.value("a", make: make) == 1, "from the cache")
        #expect(cache.value("b", make: make) == 2)
        // Full: "c" forgets everything, so "a" is made again.
        #expect(cache.value("c", make: make) == 3)
        #expect(cache.value("a", make: make) == 4)
        cache.removeAll()
        #expect(cache.value("c", make: make) == 5)
    }

    @Test("texts by digest: equal texts are equal keys, different texts or lengths are not")
    func textDigest() {
        #expect(TextDigest("Zürich") == TextDigest("Zürich"))
        #expect(TextDigest("Zürich") != TextDigest("Zurich"))
        #expect(TextDigest("Zürich").length == 7)
        #expect(TextDigest("") != TextDigest(" "))
    }
}
