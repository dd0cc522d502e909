import Synchronization

/// Carries the delivery workers' events to the run's task a few at a time. Waking that task
/// costs two thread switches; done once a message, on two cores, it took a sixth of a run's
/// CPU. An event that wants an answer soon (a failure, a worker stopping, the queue running
/// low) is handed over at once, with whatever waited before it.
final class WorkerMailbox<Event: Sendable>: Sendable {
    let batches: AsyncStream<[Event]>
    private let continuation: AsyncStream<[Event]>.Continuation
    private let waiting = Mutex<[Event]>([])
    private let batchSize: Int

    init(batchSize: Int) {
        self.batchSize = max(1, batchSize)
        (batches, continuation) = AsyncStream.makeStream(of: [Event].self)
    }

    /// Posts `event`; hands over what waits if `urgent`, or once a batch is waiting.
    func post(_ event: Event, urgent: Bool) {
        waiting.withLock { waiting in
            waiting.append(event)
            guard urgent || waiting.count >= batchSize else { return }
            // Under the lock, so that batches arrive in the order their events were posted.
            continuation.yield(waiting)
            waiting = []
        }
    }

    /// Nothing more comes: `batches` ends after what was handed over.
    func finish() {
        continuation.finish()
    }
}
