import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import GazetteStore
import GazetteSummarize

struct Stories: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "List recent stories with their summary, coverage and alternative takes."
    )
    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("country"), help: "Only stories covered in this country; repeat for several.")
    var countries: [String] = []
    @Option(name: .customLong("topic"), help: "Only stories on this topic; repeat for several.") var topics: [String] =
        []
    @Option(help: "How many hours back.") var since = 24
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        _ = try parseCountries(countries)
        for topic in topics where Topic(topic) == nil { throw ValidationError("--topic \(topic): not a topic slug") }
        guard (1...24 * 30).contains(since) else { throw ValidationError("--since must be 1-720 hours") }
    }

    func run() async throws {
        let gazette = try await options.openGazette()
        let now = Date()
        let articles = try await gazette.store.articles(
            matching: ArticleQuery(
                countries: try parseCountries(countries),
                topics: topics.compactMap(Topic.init),
                since: now.addingTimeInterval(-Double(since) * 3_600),
                until: now,
                limit: 2_000
            )
        )
        // The same order a digest uses: coverage breadth, recency, the asked-for topics.
        let stories = StoryRanking.ranked(
            try await gazette.stories(of: articles),
            articles: \.articles,
            now: now,
            topics: topics.compactMap(Topic.init)
        )
        let names = Dictionary(uniqueKeysWithValues: gazette.configuration.sources.map { ($0.id, $0.name) })
        let configured = Set(gazette.configuration.sources.map(\.country))
        if json {
            let rows: [[String: Any]] = stories.map { story in
                [
                    "id": story.id,
                    "headline": story.articles.first?.title ?? "",
                    "outlets": story.outlets,
                    "countries": story.countries.map(\.code),
                    "notCoveredIn": configured.subtracting(story.countries).map(\.code).sorted(),
                    "summary": story.summary.map { ["text": $0.text, "article": Int64($0.source) ?? 0] },
                    "articles": story.articles.map { article in
                        [
                            "id": article.id ?? 0, "source": names[article.sourceID] ?? article.sourceID,
                            "country": article.country.code, "title": article.title, "url": article.url ?? "",
                            "published": article.publishedAt.formatted(.iso8601),
                        ] as [String: Any]
                    },
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for story in stories {
            let covered = story.countries.map(\.code).joined(separator: ", ")
            let missing = configured.subtracting(story.countries).map(\.code).sorted().joined(separator: ", ")
            print("\(story.articles.first?.title ?? story.id)")
            print("  \(story.outlets) outlets; covered in \(covered)\(missing.isEmpty ? "" : "; not in \(missing)")")
            let citation = Dictionary(
                uniqueKeysWithValues: story.articles.enumerated().map { (String($1.id ?? 0), $0 + 1) }
            )
            for sentence in story.summary { print("  \(sentence.text) [\(citation[sentence.source] ?? 0)]") }
            for (number, article) in story.articles.enumerated() {
                print(
                    "  [\(number + 1)] \(names[article.sourceID] ?? article.sourceID) (\(article.country.code)): \(article.title)"
                )
            }
            print("")
        }
    }
}
