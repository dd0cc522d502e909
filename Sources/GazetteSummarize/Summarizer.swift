import Foundation
import GazetteCore

/// Extractive summaries for news: sentences chosen by how central they are to the text and by
/// where they stand (news puts the key facts first), returned in their original order.
public struct Summarizer: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Weight of the position prior against centrality (0: position-blind, 1: lead only).
        public var positionWeight: Double = 0.85
        /// Sentences shorter than this many words are rarely a summary's facts (datelines, "Watch:").
        public var minimumWords: Int = 6
        /// Sentences longer than this many words are damped a little.
        public var maximumWords: Int = 40
        /// MMR trade-off between relevance and novelty for multi-document summaries.
        public var mmrLambda: Double = 0.7
        /// A sentence this similar to one already chosen says the same thing: never chosen.
        public var maxRedundancy: Double = 0.5
        /// A story summary's sentence longer than this many characters is cut at a word, with
        /// an ellipsis: text the splitter cannot end (a live blog without full stops, a hostile
        /// feed) would otherwise be a digest's whole "short" summary, up to 100 KB of it.
        public var maximumStorySentenceCharacters: Int = 400

        public init() {}
    }

    /// A summary sentence and where it came from, so a digest can cite it.
    public struct Sentence: Sendable, Hashable {
        public var text: String
        public var source: String
    }

    public let settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The `count` best sentences of one article, in article order.
    public func summarize(_ text: String, sentences count: Int = 3) -> [String] {
        let sentences = SentenceSplitter.split(text)
        guard sentences.count > count else { return sentences }
        let (vectors, centroid) = Self.vectors(sentences)
        let scores = sentences.indices.map { index in
            score(sentences[index], centrality: centroid.dot(vectors, row: index), position: index)
        }
        let chosen = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            .prefix(count).sorted()
        return chosen.map { sentences[$0] }
    }

    /// The `count` best sentences across a story's articles, without repeating what is already
    /// said (maximal marginal relevance), each citing its article. Articles come in priority order.
    public func summarize(story articles: [(source: String, text: String)], sentences count: Int = 3) -> [Sentence] {
        var candidates: [(sentence: Sentence, position: Int)] = []
        for article in articles {
            // The first sentences carry an article's facts; the rest only add redundancy.
            for (position, sentence) in SentenceSplitter.split(article.text).prefix(6).enumerated() {
                candidates.append((Sentence(text: sentence, source: article.source), position))
            }
        }
        guard !candidates.isEmpty else { return [] }
        let (vectors, centroid) = Self.vectors(candidates.map(\.sentence.text))
        let relevance = candidates.indices.map { index in
            score(
                candidates[index].sentence.text,
                centrality: centroid.dot(vectors, row: index),
                position: candidates[index].position
            )
        }
        // Each candidate's greatest similarity to a sentence already chosen, kept up to date as
        // sentences are chosen.
        var redundancy = Array(repeating: 0.0, count: candidates.count)
        var chosen = DenseScratch(columns: centroid.columns)
        var selected: [Int] = []
        while selected.count < min(count, candidates.count) {
            var best: (index: Int, value: Double)?
            for index in candidates.indices where !selected.contains(index) {
                if redundancy[index] > settings.maxRedundancy { continue }
                let value = settings.mmrLambda * relevance[index] - (1 - settings.mmrLambda) * redundancy[index]
                if value > (best?.value ?? -.infinity) { best = (index, value) }
            }
            guard let best else { break }
            selected.append(best.index)
            chosen.add(vectors, row: best.index)
            for index in candidates.indices {
                redundancy[index] = max(redundancy[index], chosen.dot(vectors, row: index))
            }
            chosen.clear()
        }
        return selected.map { index in
            var sentence = candidates[index].sentence
            // Counted in bytes first: nearly every sentence is far shorter, in any script.
            if sentence.text.utf8.count > settings.maximumStorySentenceCharacters {
                sentence.text = TextSnippet.lead(sentence.text, limit: settings.maximumStorySentenceCharacters)
            }
            return sentence
        }
    }

    private func score(_ sentence: String, centrality: Double, position: Int) -> Double {
        // Sentences come with single spaces between words (the splitter collapses whitespace).
        let words = sentence.utf8.reduce(1) { $1 == 0x20 ? $0 + 1 : $0 }
        // Stubs (datelines, "Watch:") and run-on sentences rarely state a story's key facts.
        let length = words < settings.minimumWords ? 0.3 : (words > settings.maximumWords ? 0.8 : 1.0)
        let prior = 1 / Double(position + 1).squareRoot()
        return length * (settings.positionWeight * prior + (1 - settings.positionWeight) * centrality)
    }

    /// TF-IDF rows of the sentences (raw term frequency), with the sentences themselves as the
    /// documents, and their normalised sum: the text's centroid.
    static func vectors(_ sentences: [String]) -> (rows: SparseRows, centroid: DenseScratch) {
        var counts = TermCounts()
        var terms: [Terms.Term] = []
        for sentence in sentences {
            terms.removeAll(keepingCapacity: true)
            Terms.append(sentence, to: &terms)
            counts.add(terms)
        }
        let rows = counts.tfidf { $0 }
        var centroid = DenseScratch(columns: counts.columns)
        for row in 0..<rows.count { centroid.add(rows, row: row) }
        centroid.normalize()
        return (rows, centroid)
    }
}
