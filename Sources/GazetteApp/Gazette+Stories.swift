import Foundation
import GazetteCore
import GazetteStore
import GazetteSummarize

/// A story: the same event as covered by several outlets, often in several countries.
public struct Story: Sendable {
    public var id: String
    /// Every article of the story, oldest first: the alternative takes.
    public var articles: [Article]
    /// The story's summary, each sentence citing the article (by id) it came from.
    public var summary: [Summarizer.Sentence]

    public var countries: [Country] { Array(Set(articles.map(\.country))).sorted() }
    public var outlets: Int { Set(articles.map(\.sourceID)).count }
}

extension Gazette {
    /// How far back stories are formed from; wider than the clusterer's own window so that a
    /// story that began yesterday keeps its first articles.
    static let storyHorizon: TimeInterval = 72 * 3_600

    /// Clusters the recent articles into stories and stores each article's story.
    /// Deterministic: the same articles give the same stories, and a story's id is its first
    /// (earliest published) article's.
    public func updateStories() async throws {
        let date = now()
        let recent = try await store.articles(
            matching: ArticleQuery(since: date.addingTimeInterval(-Self.storyHorizon), until: date, limit: 100_000)
        ).sorted { ($0.publishedAt, $0.id ?? 0) < ($1.publishedAt, $1.id ?? 0) }
        let stored = recent.compactMap { article in article.id.map { (id: $0, article: article) } }
        let storyIDs = StoryClusterer().cluster(
            stored.map {
                .init(key: "s\($0.id)", title: $0.article.title, text: $0.article.text, date: $0.article.publishedAt)
            }
        )
        let assignments = Dictionary(uniqueKeysWithValues: zip(stored.map(\.id), storyIDs))
        try await store.assignStories(assignments)
        metrics.storiesFormed(Set(assignments.values).count)
    }

    /// The stories the given articles belong to, with all their members (from any country),
    /// in the order the articles came; articles without a story stand alone.
    /// - Parameter reads: the store reads shared with the rest of a send (nil: none).
    public func stories(
        of articles: [Article],
        summarySentences: Int = 3,
        reads: SelectionReads? = nil
    ) async throws -> [Story] {
        var order: [String] = []
        var given: [String: [Article]] = [:]
        for article in articles {
            let key = article.storyID ?? "a\(article.id ?? 0)"
            if given[key] == nil { order.append(key) }
            given[key, default: []].append(article)
        }
        let members =
            if let reads {
                try await reads.members(of: order, in: store)
            } else {
                Dictionary(grouping: try await store.articles(storyIDs: order), by: { $0.storyID ?? "" })
            }
        let summarizer = Summarizer()
        let wanted = Set(articles.compactMap(\.id))
        return order.map { key in
            // The story's articles as stored, and the given ones it lacks: an article without a
            // story, or one whose story was formed anew after its members were read.
            var storyArticles = members[key] ?? []
            let known = Set(storyArticles.compactMap(\.id))
            let missing = (given[key] ?? []).filter { !known.contains($0.id ?? -1) }
            if !missing.isEmpty {
                storyArticles = (storyArticles + missing).sorted {
                    ($0.publishedAt, $0.id ?? 0) < ($1.publishedAt, $1.id ?? 0)
                }
            }
            // The given articles lead the summary, then the rest by time.
            let ranked =
                storyArticles.filter { wanted.contains($0.id ?? -1) }
                + storyArticles.filter { !wanted.contains($0.id ?? -1) }
            let inputs = ranked.map { (source: String($0.id ?? 0), text: $0.text.isEmpty ? $0.title : $0.text) }
            let summary = storySummaries.summary(of: inputs, sentences: summarySentences) {
                summarizer.summarize(story: inputs, sentences: summarySentences)
            }
            return Story(id: key, articles: storyArticles, summary: summary)
        }
    }
}

/// Story summaries by what they were made from: the articles' ids and texts (by hash), in
/// order, and the number of sentences. A send summarizes each story once for all its readers who see it in
/// the same order, not once per reader; an edited article is a new key.
final class StorySummaries: Sendable {
    private struct Key: Hashable, Sendable {
        var sentences: Int
        var sources: [String]
        var texts: [TextDigest]
    }

    private let summaries = MemoCache<Key, [Summarizer.Sentence]>()

    func summary(
        of articles: [(source: String, text: String)],
        sentences: Int,
        make: () -> [Summarizer.Sentence]
    ) -> [Summarizer.Sentence] {
        let key = Key(
            sentences: sentences,
            sources: articles.map(\.source),
            texts: articles.map { TextDigest($0.text) }
        )
        return summaries.value(key, make: make)
    }
}
