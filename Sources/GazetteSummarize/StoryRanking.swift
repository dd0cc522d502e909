import Foundation
import GazetteCore

/// The order of stories in a digest: broad coverage first, then fresh news, then the reader's
/// topics. A story's score is
///
///     2 × outlets + 3 × (countries − 1) + 4 × 0.5^(hours since its latest article / 12)
///       + 3 × (the reader's topics the story has)
///
/// so a story carried by five outlets in three countries outranks a single outlet's scoop of
/// the same hour, but a day-old story needs wide coverage to stay on top.
public enum StoryRanking {
    public static func score(_ articles: [Article], now: Date, topics: [Topic]) -> Double {
        let outlets = distinctCount(articles.map(\.sourceID))
        let countries = distinctCount(articles.map(\.country))
        let latest = articles.map(\.publishedAt).max() ?? now
        let hours = max(0, now.timeIntervalSince(latest) / 3_600)
        let matching = topics.filter { topic in articles.contains { $0.topics.contains(topic) } }.count
        return 2 * Double(outlets) + 3 * Double(max(0, countries - 1)) + 4 * pow(0.5, hours / 12) + 3 * Double(matching)
    }

    /// Stories (as their articles) in ranking order; ties keep the given order.
    public static func ranked<Story>(
        _ stories: [Story],
        articles: (Story) -> [Article],
        now: Date,
        topics: [Topic]
    )
        -> [Story]
    {
        // Positions are sorted, not the stories: this generic function is not specialized for
        // the caller's story type, and moving stories through it cost more than scoring them.
        let scores = stories.map { score(articles($0), now: now, topics: topics) }
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.map { stories[$0] }
    }

    /// How many different values: a story has a handful of articles, so comparing each with
    /// those before it costs less than building a set.
    private static func distinctCount<Value: Equatable>(_ values: [Value]) -> Int {
        values.indices.filter { index in !values[..<index].contains(values[index]) }.count
    }
}
