import ArgumentParser
import Foundation
import GazetteSummarize

struct Summarize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the extractive summary of one plain-text article, one sentence per line.",
        discussion: """
            Reads FILE, or standard input when FILE is absent or "-". With --json-lines, reads one
            {"id", "text"} object per line and writes one {"id", "summary"} per line (for benchmarks).
            """
    )
    @Argument(help: "A plain-text article; standard input when absent or -.") var file: String?
    @Option(help: "How many sentences.") var sentences = 3
    @Flag(help: "Batch mode: JSON Lines in, JSON Lines out.") var jsonLines = false

    func validate() throws {
        guard (1...50).contains(sentences) else { throw ValidationError("--sentences must be 1-50") }
    }

    func run() throws {
        let data: Data
        if let file, file != "-" {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("cannot read \(file)")
            }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        let summarizer = Summarizer()
        guard jsonLines else {
            for sentence in summarizer.summarize(String(decoding: data, as: UTF8.self), sentences: sentences) {
                print(sentence)
            }
            return
        }
        for (number, line) in JSONLines.lines(data).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                let text = object["text"] as? String
            else {
                throw CommandFailure("line \(number + 1): expected a JSON object with a \"text\" string")
            }
            let summary = summarizer.summarize(text, sentences: sentences)
            let output: [String: Any] = ["id": object["id"] ?? NSNull(), "summary": summary]
            print(String(decoding: try JSONSerialization.data(withJSONObject: output), as: UTF8.self))
        }
    }
}

struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cluster articles into stories, as ingest does, and print each article's story.",
        discussion: """
            Reads JSON Lines (id, title, text, and optional source, country, date in ISO 8601) in file
            order and prints one line per article: its id, a tab, its story id.
            """
    )
    @Argument(help: "A JSON Lines file of articles.") var file: String
    @Option(help: "Similarity needed to join a story (default: ingest's setting).") var threshold: Double?
    @Option(help: "Words of text per article after the title (default: ingest's setting).") var textWords: Int?
    @Option(help: "Extra weight of names and numbers (default: ingest's setting).") var salientBoost: Double?
    @Flag(help: "Print how long clustering took (reading the file not included) to standard error.")
    var timing = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        var settings = StoryClusterer.Settings()
        if let threshold { settings.threshold = threshold }
        if let textWords { settings.textWords = textWords }
        if let salientBoost { settings.salientBoost = salientBoost }
        var articles: [StoryClusterer.Input] = []
        for (number, line) in JSONLines.lines(data).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue
            else {
                throw CommandFailure("\(file): line \(number + 1): expected a JSON object with an \"id\"")
            }
            let date = (object["date"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
            articles.append(
                StoryClusterer.Input(
                    key: id,
                    title: object["title"] as? String ?? "",
                    text: object["text"] as? String ?? "",
                    date: date
                )
            )
        }
        let start = ContinuousClock.now
        let stories = StoryClusterer(settings: settings).cluster(articles)
        if timing {
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            FileHandle.standardError.write(
                Data(String(format: "clustered %d articles in %.3f s\n", articles.count, seconds).utf8)
            )
        }
        for (article, story) in zip(articles, stories) { print("\(article.key)\t\(story)") }
    }
}

/// The non-empty lines of a JSON Lines document (`Data.split` is several times slower, and so is
/// searching a `Data` byte by byte: the raw bytes are searched instead).
enum JSONLines {
    static func lines(_ data: Data) -> [Data] {
        var ranges: [Range<Int>] = []
        data.withUnsafeBytes { bytes in
            var start = 0
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                if offset > start { ranges.append(start..<offset) }
                start = offset + 1
            }
            if bytes.count > start { ranges.append(start..<bytes.count) }
        }
        return ranges.map { data[(data.startIndex + $0.lowerBound)..<(data.startIndex + $0.upperBound)] }
    }
}
