import Foundation

/// The bundled sample feeds, as tests that run on the real clock need them.
public enum SampleFeeds {
    /// A sample feed copied with its stories dated yesterday instead of 2026-11-28: `send` and
    /// `gazette run` take the last day's news by the real clock (and look back a week at most),
    /// so copies of the samples as they are would have nothing to send from a week after that date.
    /// `Tests/peers/crash_test.py` does the same in Python, for the script that also runs alone.
    public static func copyDatedYesterday(_ name: String, to destination: URL) throws {
        var text = try String(contentsOf: Paths.samples.appendingPathComponent("feeds/\(name)"), encoding: .utf8)
        let yesterday = Date().addingTimeInterval(-86_400)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        text = text.replacingOccurrences(of: "2026-11-28", with: formatter.string(from: yesterday))
        formatter.dateFormat = "EEE, dd MMM yyyy"
        text = text.replacingOccurrences(of: "Sat, 28 Nov 2026", with: formatter.string(from: yesterday))
        try Data(text.utf8).write(to: destination)
    }
}
