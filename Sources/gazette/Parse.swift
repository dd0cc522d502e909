import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import GazetteIngest

struct Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Show what Gazette makes of a feed: a local file or an http(s) URL.",
        discussion: """
            Needs no config and stores nothing. A folder stands for the files in it, in name order. \
            Exits 1 when a feed cannot be read.
            """
    )
    @Argument(help: "Feed files, folders of feed files, or http(s) URLs.") var arguments: [String]
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print one line per feed: format, entries, title (for many files, and for bench/parse).")
    var summary = false
    @Flag(help: "Also show items with no title, text, link or id, which ingest skips.") var allItems = false
    @Flag(help: "Print one line of JSON per feed, or {\"location\", \"error\"} when it cannot be read.")
    var jsonLines = false

    func validate() throws {
        guard !arguments.isEmpty else { throw ValidationError("give at least one feed file or URL") }
    }

    func run() async throws {
        let locations = try Self.expandingFolders(arguments)
        var failures = 0
        // Feeds are read on every core, a few more in flight than there are cores so that a large
        // feed does not hold the others back, and shown in the order given.
        let inFlight = 2 * ProcessInfo.processInfo.activeProcessorCount
        try await withThrowingTaskGroup(of: (Int, Result<InspectedFeed, any Error>).self) { group in
            var next = 0
            func startNext() {
                guard next < locations.count else { return }
                let (index, location) = (next, locations[next])
                next += 1
                group.addTask { [allItems] in
                    do {
                        let feed = try await FeedInspector.inspect(
                            location,
                            ingest: GazetteConfiguration.Ingest(),
                            allItems: allItems
                        )
                        return (index, .success(feed))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<inFlight { startNext() }
            var waiting: [Int: Result<InspectedFeed, any Error>] = [:]
            var shown = 0
            while let (index, result) = try await group.next() {
                waiting[index] = result
                startNext()
                while let result = waiting.removeValue(forKey: shown) {
                    if case .failure = result { failures += 1 }
                    try show(result, location: locations[shown])
                    shown += 1
                }
            }
        }
        if failures > 0, !jsonLines {
            throw CommandFailure("\(failures) of \(locations.count) feeds could not be read")
        }
    }

    /// The arguments with each local folder replaced by the files in it, sorted by name (so that
    /// many feeds cost one argument: the argument parser takes quadratic time over long lists).
    static func expandingFolders(_ arguments: [String]) throws -> [String] {
        try arguments.flatMap { argument -> [String] in
            var isFolder: ObjCBool = false
            guard !argument.contains("://"), FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder),
                isFolder.boolValue
            else { return [argument] }
            // Files only, not hidden ones, and no descent into sub-folders.
            return try filesInFolder(argument).sorted()
        }
    }

    /// The paths of the entries in a folder that are not folders themselves (links followed),
    /// but hidden ones, as readdir lists them: it says which entries are files, where
    /// FileManager's listing and a URL and a stat() for each cost a 640-file bench 7 ms before
    /// the first feed was read.
    private static func filesInFolder(_ path: String) throws -> [String] {
        guard let folder = opendir(path) else {
            throw CommandFailure("cannot list \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(folder) }
        var paths: [String] = []
        while let entry = readdir(folder) {
            // A NUL-terminated array of C characters.
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard !name.hasPrefix(".") else { continue }
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): paths.append(full)
            case Int32(DT_DIR): continue
            default:
                // A link or a file system that does not say: ask what the path leads to.
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
                    paths.append(full)
                }
            }
        }
        return paths
    }

    private func show(_ result: Result<InspectedFeed, any Error>, location: String) throws {
        switch result {
        case .success(let feed):
            try show(feed)
        case .failure(let error):
            if jsonLines {
                let line = try JSONSerialization.data(withJSONObject: ["location": location, "error": "\(error)"])
                print(String(decoding: line, as: UTF8.self))
            } else {
                FileHandle.standardError.write(Data("\(location): \(error)\n".utf8))
            }
        }
    }

    private func show(_ feed: InspectedFeed) throws {
        if summary {
            print("\(feed.location)\t\(feed.format.rawValue)\t\(feed.items.count)\t\(feed.title ?? "")")
            return
        }
        if json || jsonLines {
            print(try Self.json(feed, pretty: !jsonLines))
            return
        }
        print("\(feed.format.rawValue): \(feed.title ?? "(untitled)")")
        if let warning = feed.warning { print("warning: \(warning)") }
        if let link = feed.link { print(Self.printable(link)) }
        print("\(feed.items.count) entries\(feed.skipped.isEmpty ? "" : ", \(feed.skipped.count) skipped")")
        for item in feed.items {
            print("")
            print("* \(item.title)")
            print("  id:        \(Self.printable(item.guid))")
            if let url = item.url { print("  link:      \(url)") }
            print("  published: \(Self.iso(item.publishedAt))")
            if let updated = item.updatedAt { print("  updated:   \(Self.iso(updated))") }
            if let author = item.author { print("  author:    \(author)") }
            if !item.topics.isEmpty { print("  topics:    \(item.topics.map(\.slug).joined(separator: ", "))") }
            if !item.categories.isEmpty { print("  categories: \(item.categories.joined(separator: ", "))") }
            print("  summary:   \(TextSnippet.lead(item.text, limit: 200))")
        }
        for reason in feed.skipped { print("skipped: \(reason)") }
    }

    /// The text with its control characters shown as U+FFFD, for what is shown as the feed gave
    /// it (an id is the article's identity; the feed's own link is not stored): a hostile feed's
    /// escape sequences must not reach the terminal. The other fields are cleaned at ingest.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }
            )
        )
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func json(_ feed: InspectedFeed, pretty: Bool) throws -> String {
        struct Entry: Encodable {
            var id: String
            var title: String
            var link: String?
            /// nil when the feed gave no usable date.
            var published: String?
            var updated: String?
            var author: String?
            var topics: [String]
            var categories: [String]
            var image: String?
            var summary: String
            var content: String?
        }
        struct Document: Encodable {
            var location: String
            var format: String
            var warning: String?
            var title: String?
            var link: String?
            var entries: [Entry]
            var skipped: [String]
        }
        let document = Document(
            location: feed.location,
            format: feed.format.rawValue,
            warning: feed.warning,
            title: feed.title,
            link: feed.link,
            entries: feed.items.map { item in
                Entry(
                    id: item.guid,
                    title: item.title,
                    link: item.url,
                    published: item.hasFeedDate ? iso(item.publishedAt) : nil,
                    updated: item.updatedAt.map(iso),
                    author: item.author,
                    topics: item.topics.map(\.slug),
                    categories: item.categories,
                    image: item.imageURL,
                    summary: TextSnippet.lead(item.text),
                    content: item.contentHTML
                )
            },
            skipped: feed.skipped
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
