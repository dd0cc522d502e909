import Dispatch

/// Runs blocking libcurl transfers on Dispatch threads, off Swift's cooperative pool (which has
/// only as many threads as cores), and resumes the caller when they finish.
enum BlockingQueue {
    private static let queue = DispatchQueue(label: "gazette.curl.transfers", attributes: .concurrent)

    static func run<Result: Sendable>(
        on queue: DispatchQueue = BlockingQueue.queue,
        _ work: @escaping @Sendable () -> Result
    ) async -> Result {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
