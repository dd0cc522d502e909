import Foundation

/// Paths to the checkout and to the third-party test data beside it.
public enum Paths {
    /// The repository root, found from this file's own path.
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let templates = repository.appendingPathComponent("templates")
    public static let samples = repository.appendingPathComponent("samples")
    public static let peers = repository.appendingPathComponent("Tests/peers")

    /// `../shared/data`: feedparser's corpus and real outlets' feeds. CI has it; a user's clone
    /// does not, and tests that need it are then skipped with a message saying so.
    public static let sharedData = repository.deletingLastPathComponent().appendingPathComponent("shared/data")

    public static var hasSharedData: Bool {
        FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("real-feeds").path)
    }

    /// The built `gazette` executable, beside the test bundle.
    public static var gazetteExecutable: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("gazette")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return repository.appendingPathComponent(".build/debug/gazette")
    }
}

/// A fresh folder under the system's temporary directory, removed when released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gazette-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A clock the test moves by hand.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(by interval: TimeInterval) { lock.withLock { current += interval } }
}
