import Testing

@testable import GazetteApp
@testable import GazetteSummarize

@Suite("Story summaries cache")
struct StorySummariesTests {
    @Test("a story is summarized once for the same articles in the same order; other text or order is another summary")
    func reuse() {
        let cache = StorySummaries()
        var made = 0
        func summary(_ articles: [(source: String, text: String)], sentences: Int = 3) -> [Summarizer.Sentence] {
            cache.summary(of: articles, sentences: sentences) {
                made += 1
                return [Summarizer.Sentence(text: articles[0].text, source: articles[0].source)]
            }
        }
        let story = [(source: "1", text: "Quake off Hokkaido."), (source: "2", text: "Tsunami advisory lifted.")]
        #expect(summary(story).first?.source == "1")
        #expect(summary(story).first?.source == "1")
        #expect(made == 1)
        #expect(summary(Array(story.reversed())).first?.source == "2", "another order leads with another article")
        #expect(summary([story[0], (source: "2", text: "Tsunami advisory lifted at noon.")]).count == 1)
        #expect(summary(story, sentences: 2).count == 1)
        #expect(made == 4, "an edited article or another length is summarized again")
    }
}
