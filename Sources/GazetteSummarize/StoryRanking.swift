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
        let outlets = Set(articles.map(\.sourceID)).count
        let countries = Set(articles.map(\.country)).count
        let latest = articles.map(\.publishedAt).max() ?? now
        let hours = max(0, now.timeIntervalSince(latest) / 3_600)
        let storyTopics = Set(articles.flatMap(\.topics))
        let matching = topics.filter(storyTopics.contains).count
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
        stories.enumerated()
            .map {
                (offset: $0.offset, story: $0.element, score: score(articles($0.element), now: now, topics: topics))
            }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.offset < $1.offset }
            .map(\.story)
    }
}
