import Foundation

/// The real programs the tests check Gazette against: Python's `email` package, feedparser,
/// aiosmtpd and http.server, run from `$GAZETTE_PYTHON` (set by `make test` to its venv).
public enum Peers {
    public static var python: String {
        if let configured = ProcessInfo.processInfo.environment["GAZETTE_PYTHON"] { return configured }
        let venv = Paths.repository.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env python3"
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs a program to completion.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) throws
        -> Output
    {
        let parts = executable.split(separator: " ").map(String.init)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: parts[0])
        process.arguments = Array(parts.dropFirst()) + arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe can never block the child.
        let errorData = LockedData()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self)
        )
    }

    /// Runs a script in `Tests/peers` on a Dispatch thread, off Swift's cooperative pool: a
    /// script that talks to a server in the same process must not hold one of the pool's few
    /// threads while that server's handlers wait for one (two such tests at once on two cores
    /// would leave the server none).
    public static func runScriptOffPool(_ script: String, _ arguments: [String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runScript(script, arguments) })
            }
        }
    }

    /// Runs one of the scripts in `Tests/peers` with the peers' Python.
    public static func runScript(_ script: String, _ arguments: [String]) throws -> Output {
        try run(python, [Paths.peers.appendingPathComponent(script).path] + arguments)
    }

    /// Decodes the JSON a peer script printed.
    public static func json(_ output: Output) throws -> [String: Any] {
        guard output.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        else {
            throw PeerError("peer failed (status \(output.status)): \(output.stderr)\(output.stdout)")
        }
        return object
    }
}

public struct PeerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) {
        lock.withLock { data = value }
    }

    var value: Data { lock.withLock { data } }
}

/// A server started for one test on a port the OS chose, stopped when released.
public final class PeerServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    /// Starts `python -u script args…`; the script prints `PORT <n>` once it listens.
    public init(script: String, arguments: [String]) throws {
        let parts = Peers.python.split(separator: " ").map(String.init)
        process = Process()
        process.executableURL = URL(fileURLWithPath: parts[0])
        process.arguments =
            Array(parts.dropFirst()) + ["-u", Paths.peers.appendingPathComponent(script).path] + arguments
        let out = Pipe()
        process.standardOutput = out
        // Not the test run's own stderr: `swift test` waits for every holder of that pipe to exit.
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // EOF: the server died before listening
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let portText = text.split(separator: "\n").first?.split(separator: " ").last, text.hasPrefix("PORT "),
            let port = Int(portText)
        else {
            process.terminate()
            throw PeerError("\(script) did not start (is the peers' Python set up? run `make test`): \(text)")
        }
        self.port = port
    }

    deinit {
        // SIGTERM ends the peer; Foundation reaps it. waitUntilExit() is not used: called from a
        // test's task it can spin in the run loop forever on Linux.
        process.terminate()
    }
}

/// Python's http.server (Tests/peers/http_server.py) serving a fresh temporary folder on
/// 127.0.0.1, with the hostile endpoints that script adds.
public struct LoopbackHTTPServer: Sendable {
    public let folder: TemporaryDirectory
    public let server: PeerServer

    public init() throws {
        folder = try TemporaryDirectory()
        server = try PeerServer(script: "http_server.py", arguments: [folder.url.path])
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(server.port)/\(path)" }
}
