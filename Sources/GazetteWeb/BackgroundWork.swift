import Synchronization

/// Work a request starts and does not wait for: a sign-up's confirmation email. The answer
/// then comes as fast whether the address is new (store writes, signing, an SMTP handover),
/// pending or already active, so its timing tells no one who is subscribed. `wait` lets a
/// stopping server, and tests, see it through.
final class BackgroundWork: Sendable {
    private struct State {
        var next = 0
        var running: [Int: Task<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    func start(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            let id = state.next
            state.next += 1
            // The task removes itself when done; it needs this lock to, so it is stored first.
            state.running[id] = Task {
                await work()
                _ = self.state.withLock { $0.running.removeValue(forKey: id) }
            }
        }
    }

    /// Returns once everything started so far, and anything it started, is done.
    func wait() async {
        while true {
            let running = state.withLock { Array($0.running.values) }
            if running.isEmpty { return }
            for task in running { await task.value }
        }
    }
}
