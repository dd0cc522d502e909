import Foundation

/// Finds the folders Gazette ships beside its code (`templates/`, `samples/`): in
/// `$GAZETTE_HOME`, the working directory, or a parent of the executable's folder (so that
/// `.build/debug/gazette` finds the checkout it was built from).
public enum Resources {
    public static func directory(
        _ name: String,
        containing marker: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL {
        var roots: [URL] = []
        if let home = environment["GAZETTE_HOME"] { roots.append(URL(fileURLWithPath: home)) }
        roots.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            roots.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        for root in roots {
            let candidate = root.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) {
                return candidate
            }
        }
        throw GazetteError(
            "cannot find the \(name)/ folder (looked in $GAZETTE_HOME, the working directory and beside the executable)"
        )
    }

    public static func templates() throws -> URL {
        try directory("templates", containing: "digest.html.mustache")
    }

    public static func samples() throws -> URL {
        try directory("samples", containing: "gazette.sample.json")
    }
}
