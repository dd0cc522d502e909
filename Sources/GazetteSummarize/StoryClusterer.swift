import Foundation

/// Groups articles that report the same event into stories, one article at a time, in the
/// order they arrive (single pass, deterministic for the same input and order).
///
/// Each article becomes a TF-IDF vector over its title (counted twice) and first words of text,
/// with names and numbers weighted up: two earthquakes share "earthquake", not "Hokkaido".
/// It joins the most similar story seen in the time window when the cosine similarity with the
/// story's centroid reaches `threshold`; otherwise it starts a new story. Candidate stories come
/// from an inverted index over each story's heaviest terms, so an article is compared with a
/// few stories, not all of them.
public struct StoryClusterer: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Cosine similarity to a story's centroid needed to join it; chosen on the ECB+ train and dev
        /// splits (pairwise F1 0.84 and 0.83 there), never on test.
        public var threshold: Double = 0.30
        /// Articles further apart than this (by date) never share a story.
        public var window: TimeInterval = 48 * 3_600
        /// How many words of text (after the title) an article contributes.
        public var textWords: Int = 250
        /// Extra weight for names and numbers.
        public var salientBoost: Double = 2.0
        /// Terms of each story centroid kept in the inverted index.
        public var indexedTerms: Int = 40
        /// An article's heaviest terms used to look up candidate stories.
        public var probeTerms: Int = 12

        public init() {}
    }

    public struct Input: Sendable {
        public var key: String
        public var title: String
        public var text: String
        public var date: Date?

        public init(key: String, title: String, text: String, date: Date?) {
            self.key = key
            self.title = title
            self.text = text
            self.date = date
        }
    }

    private struct Story {
        var id: String
        var centroid: SparseVector
        /// `centroid`, normalised: kept, not recomputed for every comparison.
        var direction: SparseVector
        var members: Int
        var latest: Date?
        var indexed: [Terms.ID]
    }

    public let settings: Settings
    private var frequencies = DocumentFrequencies()
    private var stories: [Story] = []
    private var index: [Terms.ID: [Int]] = [:]

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Assigns the article to a story and returns the story's id: the key of its first article.
    public mutating func add(_ article: Input) -> String {
        let terms =
            Terms.terms(article.title + ". " + article.title + ". ")
            + Terms.terms(article.text, limit: settings.textWords)
        frequencies.add(terms.map(\.id))
        var counts: [Terms.ID: Double] = [:]
        for term in terms { counts[term.id, default: 0] += term.salient ? settings.salientBoost : 1 }
        let vector = SparseVector(
            counts.reduce(into: [:]) { weights, entry in
                weights[entry.key] = (1 + log(entry.value)) * frequencies.idf(entry.key)
            }
        ).normalized()

        var candidates = Set<Int>()
        for term in vector.topTerms(settings.probeTerms) { candidates.formUnion(index[term] ?? []) }
        var best: (story: Int, similarity: Double)?
        for candidate in candidates.sorted() {
            let story = stories[candidate]
            if let date = article.date, let latest = story.latest, abs(date.timeIntervalSince(latest)) > settings.window
            {
                continue
            }
            let similarity = vector.dot(story.direction)
            if similarity >= settings.threshold, similarity > (best?.similarity ?? 0) {
                best = (candidate, similarity)
            }
        }
        if let best {
            var story = stories[best.story]
            story.centroid.add(vector)
            story.direction = story.centroid.normalized()
            story.members += 1
            if let date = article.date { story.latest = max(story.latest ?? date, date) }
            reindex(&story, at: best.story)
            stories[best.story] = story
            return story.id
        }
        var story = Story(
            id: article.key,
            centroid: vector,
            direction: vector,
            members: 1,
            latest: article.date,
            indexed: []
        )
        reindex(&story, at: stories.count)
        stories.append(story)
        return story.id
    }

    private mutating func reindex(_ story: inout Story, at position: Int) {
        for term in story.indexed { index[term]?.removeAll { $0 == position } }
        story.indexed = story.centroid.topTerms(settings.indexedTerms)
        for term in story.indexed { index[term, default: []].append(position) }
    }
}
