import Foundation

/// One line on standard error that rewrites itself while a long command works, only when
/// standard error is a terminal (scripts and logs get the final report alone).
final class TerminalProgress: Sendable {
    private let label: String
    let isShown = isatty(STDERR_FILENO) == 1

    init(_ label: String) {
        self.label = label
    }

    func update(_ text: String) {
        guard isShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(text)".utf8))
    }

    /// Clears the line before the command prints its report.
    func finish() {
        guard isShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
