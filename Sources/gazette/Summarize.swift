import ArgumentParser
import Foundation
import GazetteSummarize

struct Summarize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Print the extractive summary of one plain-text article, one sentence per line.",
        discussion: """
            Reads FILE, or standard input when FILE is absent or "-". With --json-lines, reads one
            {"id", "text"} object per line and writes one {"id", "summary"} per line (for benchmarks).
            """
    )
    @Argument(help: "A plain-text article; standard input when absent or -.") var file: String?
    @Option(help: "How many sentences.") var sentences = 3
    @Flag(help: "Batch mode: JSON Lines in, JSON Lines out.") var jsonLines = false
    @Flag(help: "With --json-lines: print the time spent decoding, summarizing and encoding to standard error.")
    var timing = false

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
        let start = ContinuousClock.now
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = Data()
        for (number, line) in JSONLines.lines(data).enumerated() {
            let article: BatchArticle
            do {
                article = try decoder.decode(BatchArticle.self, from: line)
            } catch is BatchID.Unsupported {
                throw CommandFailure("line \(number + 1): \"id\" must be a string, a number or null")
            } catch {
                throw CommandFailure("line \(number + 1): expected a JSON object with a \"text\" string")
            }
            let summary = BatchSummary(
                id: article.id,
                summary: summarizer.summarize(article.text, sentences: sentences)
            )
            output.append(try encoder.encode(summary))
            output.append(UInt8(ascii: "\n"))
            if output.count > 1 << 16 {
                FileHandle.standardOutput.write(output)
                output.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(output)
        if timing { reportTime("summarized", since: start) }
    }
}

/// A line of `gazette summarize --json-lines` input: an id (string or number, echoed back) and text.
private struct BatchArticle: Decodable {
    var id: BatchID?
    var text: String
}

private struct BatchSummary: Encodable {
    var id: BatchID?
    var summary: [String]

    enum CodingKeys: CodingKey { case id, summary }

    /// Written out even when nil: a line without an id is answered with `"id": null`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(summary, forKey: .summary)
    }
}

/// An id as the caller wrote it: a whole number, another number (beyond 64-bit integers, as
/// precise as a double), or a string.
private enum BatchID: Codable {
    case integer(Int)
    case number(Double)
    case string(String)

    struct Unsupported: Error {}

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let integer = try? value.decode(Int.self) {
            self = .integer(integer)
        } else if let number = try? value.decode(Double.self) {
            self = .number(number)
        } else if let string = try? value.decode(String.self) {
            self = .string(string)
        } else {
            throw Unsupported()
        }
    }

    func encode(to encoder: any Encoder) throws {
        var value = encoder.singleValueContainer()
        switch self {
        case .integer(let integer): try value.encode(integer)
        case .number(let number): try value.encode(number)
        case .string(let string): try value.encode(string)
        }
    }
}

struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
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

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold <= 1) {
            throw ValidationError("--threshold must be more than 0 and at most 1")
        }
        if let textWords, textWords < 0 { throw ValidationError("--text-words must be 0 or more") }
        if let salientBoost, !(salientBoost > 0 && salientBoost.isFinite) {
            throw ValidationError("--salient-boost must be a positive number")
        }
    }

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
        if timing { reportTime("clustered \(articles.count) articles", since: start) }
        for (article, story) in zip(articles, stories) { print("\(article.key)\t\(story)") }
    }
}

/// `--timing`: "<what> in 0.123 s" on standard error, so standard output stays the results.
private func reportTime(_ what: String, since start: ContinuousClock.Instant) {
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    FileHandle.standardError.write(Data("\(what) in \(String(format: "%.3f", seconds)) s\n".utf8))
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
