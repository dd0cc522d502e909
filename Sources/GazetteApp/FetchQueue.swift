import Foundation

/// Hands out fetch jobs in order, but never more than `perHost` at a time for one host, so
/// that a deployment with many feeds on one site does not hammer it.
struct FetchQueue<Job> {
    private var waiting: [(host: String, job: Job)]
    private var inFlight: [String: Int] = [:]
    let perHost: Int

    init(_ jobs: [Job], perHost: Int, host: (Job) -> String) {
        waiting = jobs.map { (host($0), $0) }
        self.perHost = perHost
    }

    var isEmpty: Bool { waiting.isEmpty }

    /// The first waiting job whose host has room, marked in flight; nil when none can start now.
    mutating func next() -> Job? {
        guard let index = waiting.firstIndex(where: { inFlight[$0.host, default: 0] < perHost }) else { return nil }
        let (host, job) = waiting.remove(at: index)
        inFlight[host, default: 0] += 1
        return job
    }

    mutating func finished(host: String) {
        inFlight[host, default: 1] -= 1
    }

    /// The host a feed URL counts against; `file:` URLs share one.
    static func host(of url: String) -> String {
        URL(string: url)?.host?.lowercased() ?? "local"
    }
}
