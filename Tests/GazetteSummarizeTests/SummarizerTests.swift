import Foundation
import GazetteCore
import GazetteSummarize
import TestSupport
import Testing

@Suite("Summarizer")
struct SummarizerTests {
    let article = """
        The central bank raised its key interest rate by half a point on Thursday, the largest increase in a decade. \
        Officials said inflation had stayed above target for too long. \
        By Staff. \
        The decision surprised some economists, who had expected a smaller step. \
        Markets fell after the announcement, and the currency rose against the dollar. \
        The bank will meet again in six weeks.
        """

    @Test("N sentences, in article order, position first, skipping stubs")
    func single() {
        let summary = Summarizer().summarize(article, sentences: 3)
        #expect(summary.count == 3)
        #expect(summary.first?.hasPrefix("The central bank raised") == true)
        #expect(!summary.contains("By Staff."))
        let sentences = SentenceSplitter.split(article)
        let positions = summary.compactMap { sentences.firstIndex(of: $0) }
        #expect(positions == positions.sorted())
    }

    @Test("short texts come back whole; the sentence count is honoured")
    func short() {
        #expect(Summarizer().summarize("One sentence only.", sentences: 3) == ["One sentence only."])
        #expect(Summarizer().summarize(article, sentences: 1).count == 1)
    }

    @Test("story summaries cite their articles and do not repeat themselves")
    func story() {
        let articles = [
            (
                source: "a",
                text: "An earthquake of magnitude 6.8 struck off Hokkaido on Saturday. A tsunami advisory was lifted."
            ),
            (
                source: "b",
                text: "A magnitude 6.8 earthquake struck off Hokkaido on Saturday. Power was cut to 3,000 homes."
            ),
        ]
        let summary = Summarizer().summarize(story: articles, sentences: 3)
        #expect(summary.count == 3)
        #expect(Set(summary.map(\.source)) == ["a", "b"])
        let quakeSentences = summary.filter { $0.text.contains("struck off Hokkaido") }
        #expect(quakeSentences.count == 1, "the near-duplicate lead is said once")
    }
}

extension SummarizerTests {
    @Test("a story summary's sentence that never ends is cut at a word with an ellipsis, not kept whole")
    func endlessSentence() {
        let endless = Array(repeating: "the live blog goes on without a full stop", count: 2_500).joined(separator: " ")
        let summary = Summarizer().summarize(
            story: [(source: "a", text: endless), (source: "b", text: "A short report. It has two sentences.")],
            sentences: 3
        )
        let long = summary.first { $0.source == "a" }
        #expect(long?.text.hasSuffix("…") == true)
        #expect(long.map { $0.text.count <= 400 } == true, "\(long?.text.count ?? 0) characters")
        #expect(long?.text.hasPrefix("the live blog goes on") == true)
        #expect(summary.contains { $0.text == "A short report." }, "short sentences are kept as they are")
    }
}

@Suite("Story clusterer")
struct StoryClustererTests {
    @Test("the same event from different outlets joins one story; a different event starts another")
    func basics() {
        let date = Date(timeIntervalSince1970: 1_795_900_000)
        let stories = StoryClusterer().cluster([
            .init(
                key: "a",
                title: "Magnitude 6.8 quake strikes off Hokkaido",
                text:
                    "A strong earthquake struck off Hokkaido, Japan, on Saturday; a tsunami advisory for Kushiro was lifted.",
                date: date
            ),
            .init(
                key: "b",
                title: "Hokkaido earthquake: tsunami advisory lifted",
                text: "The magnitude 6.8 earthquake off Hokkaido cut power in Kushiro, Japan.",
                date: date
            ),
            .init(
                key: "c",
                title: "ECB holds rates at 2 percent",
                text: "The European Central Bank kept its deposit rate unchanged in Frankfurt.",
                date: date
            ),
        ])
        #expect(stories == ["a", "a", "c"])
    }

    @Test("articles further apart than the window never share a story")
    func window() {
        let date = Date(timeIntervalSince1970: 1_795_900_000)
        let text = "Flooding in Valencia forced thousands from their homes as the river burst its banks."
        let stories = StoryClusterer().cluster([
            .init(key: "a", title: "Valencia floods", text: text, date: date),
            .init(key: "b", title: "Valencia floods", text: text, date: date + 5 * 86_400),
        ])
        #expect(stories == ["a", "b"])
    }

    @Test("hostile input: nothing, empty articles, junk bytes, endless words, a flood of copies")
    func hostile() {
        #expect(StoryClusterer().cluster([]) == [])
        let date = Date(timeIntervalSince1970: 1_795_900_000)
        let junk = String(decoding: (0..<4_000).map { UInt8(truncatingIfNeeded: $0 &* 131) }, as: UTF8.self)
        let odd: [StoryClusterer.Input] = [
            .init(key: "empty", title: "", text: "", date: nil),
            .init(key: "junk", title: junk, text: junk, date: date),
            .init(key: "long", title: String(repeating: "A", count: 100_000), text: "x", date: date),
            .init(key: "stop", title: "the of and", text: "a an the", date: date),
        ]
        #expect(StoryClusterer().cluster(odd) == ["empty", "junk", "long", "stop"])
        // 1,500 copies of one article (a wire story everyone runs): every heavy term is shared by
        // more than 2 × termReach + 1 articles, so each copy is paired only with its neighbours in
        // each term's list; the copies still gather into a few stories, not 1,500.
        let copy = StoryClusterer.Input(
            key: "",
            title: "Magnitude 6.8 quake strikes off Hokkaido",
            text: "A strong earthquake struck off Hokkaido, Japan, on Saturday; a tsunami advisory was lifted.",
            date: date
        )
        let flood = (0..<1_500).map { index in
            var article = copy
            article.key = "copy\(index)"
            return article
        }
        let stories = StoryClusterer().cluster(flood)
        #expect(stories.count == 1_500)
        #expect(stories.first == "copy0")
        #expect(Set(stories).count <= 50, "\(Set(stories).count) stories")
    }

    @Test(
        "ECB+ test split: pairwise F1 at least 0.90, well above the single-pass baseline (0.742)",
        .enabled(if: Paths.hasSharedData, "needs ../shared/data/clustering, which only CI and developers have")
    )
    func ecbPlus() throws {
        let file = Paths.sharedData.appendingPathComponent("clustering/ecbplus_all.en.jsonl")
        let records = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["split"] as? String == "test" }.sorted {
            ($0["stream_order"] as! Int) < ($1["stream_order"] as! Int)
        }
        var gold: [String: String] = [:]
        var articles: [StoryClusterer.Input] = []
        for record in records {
            let id = record["id"] as! String
            gold[id] = record["cluster"] as? String
            articles.append(
                .init(
                    key: id,
                    title: record["title"] as? String ?? "",
                    text: record["text"] as? String ?? "",
                    date: nil
                )
            )
        }
        let predicted = Dictionary(uniqueKeysWithValues: zip(articles.map(\.key), StoryClusterer().cluster(articles)))
        let ids = gold.keys.sorted()
        var (both, sameGold, samePredicted) = (0, 0, 0)
        for (i, a) in ids.enumerated() {
            for b in ids[(i + 1)...] {
                let g = gold[a] == gold[b]
                let p = predicted[a] == predicted[b]
                if g { sameGold += 1 }
                if p { samePredicted += 1 }
                if g && p { both += 1 }
            }
        }
        let precision = Double(both) / Double(samePredicted)
        let recall = Double(both) / Double(sameGold)
        let f1 = 2 * precision * recall / (precision + recall)
        print(String(format: "ECB+ test: pairwise P %.3f R %.3f F1 %.3f", precision, recall, f1))
        #expect(records.count == 210)
        #expect(f1 >= 0.9)
        // The same articles in reverse: the same stories (ids differ: each is its first article's).
        let reversed = Array(articles.reversed())
        let again = Dictionary(uniqueKeysWithValues: zip(reversed.map(\.key), StoryClusterer().cluster(reversed)))
        func members(_ stories: [String: String]) -> Set<Set<String>> {
            Set(Dictionary(grouping: stories.keys, by: { stories[$0]! }).values.map(Set.init))
        }
        #expect(members(again) == members(predicted))
    }
}

@Suite("Story ranking")
struct StoryRankingTests {
    let now = Date(timeIntervalSince1970: 1_795_900_000)

    func article(_ source: String, _ country: String, hoursAgo: Double, topics: [String] = []) -> Article {
        Article(
            sourceID: source,
            guid: source + country,
            url: nil,
            title: "t",
            text: "x",
            publishedAt: now.addingTimeInterval(-hoursAgo * 3_600),
            fetchedAt: now,
            country: Country(code: country)!,
            language: "en",
            topics: topics.compactMap(Topic.init)
        )
    }

    @Test("broad coverage outranks a single outlet of the same hour; old news needs breadth to stay on top")
    func order() {
        let wide = [article("a", "DE", hoursAgo: 2), article("b", "FR", hoursAgo: 2), article("c", "JP", hoursAgo: 1)]
        let scoop = [article("d", "DE", hoursAgo: 1)]
        let stale = [
            article("e", "DE", hoursAgo: 40), article("f", "DE", hoursAgo: 40), article("g", "GB", hoursAgo: 40),
        ]
        let thin = [article("h", "DE", hoursAgo: 40), article("i", "DE", hoursAgo: 40)]
        let ranked = StoryRanking.ranked([thin, scoop, stale, wide], articles: { $0 }, now: now, topics: [])
        #expect(ranked.map { $0.first!.sourceID } == ["a", "e", "d", "h"])
    }

    @Test("an outlet or a country counts once however many articles it has; ties keep the given order")
    func counting() {
        let twice = [article("a", "DE", hoursAgo: 1), article("a", "DE", hoursAgo: 1), article("b", "DE", hoursAgo: 1)]
        let once = [article("c", "DE", hoursAgo: 1), article("d", "DE", hoursAgo: 1)]
        #expect(StoryRanking.score(twice, now: now, topics: []) == StoryRanking.score(once, now: now, topics: []))
        let abroad = [article("e", "DE", hoursAgo: 1), article("e", "FR", hoursAgo: 1)]
        // One outlet fewer (-2), one country more (+3).
        let difference =
            StoryRanking.score(abroad, now: now, topics: []) - StoryRanking.score(once, now: now, topics: [])
        #expect(abs(difference - 1) < 1e-9)
        let ranked = StoryRanking.ranked([once, twice, abroad], articles: { $0 }, now: now, topics: [])
        #expect(ranked.map { $0.first!.sourceID } == ["e", "c", "a"])
        // The reader's topics count once each, whichever articles carry them.
        let tagged = [
            article("f", "DE", hoursAgo: 1, topics: ["economy", "sport"]),
            article("g", "DE", hoursAgo: 1, topics: ["economy"]),
        ]
        let reader = [Topic("economy")!, Topic("sport")!, Topic("science")!]
        #expect(
            StoryRanking.score(tagged, now: now, topics: reader) == StoryRanking.score(once, now: now, topics: []) + 6
        )
    }

    @Test("the reader's topics lift a story")
    func topics() {
        let economy = [article("a", "DE", hoursAgo: 3, topics: ["economy"])]
        let sport = [article("b", "DE", hoursAgo: 1, topics: ["sport"])]
        let ranked = StoryRanking.ranked([sport, economy], articles: { $0 }, now: now, topics: [Topic("economy")!])
        #expect(ranked.first?.first?.sourceID == "a")
    }
}
