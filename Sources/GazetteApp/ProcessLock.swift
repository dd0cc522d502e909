#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on a file (flock), held until `unlock` or process exit, so that
/// two `gazette send` runs (say, an overlapping cron job) never deliver the same edition.
/// The kernel drops the lock when the process dies, so a crash never leaves it held.
final class ProcessLock {
    private let descriptor: Int32

    /// Takes the lock, or returns nil when another process holds it.
    init?(path: String) throws {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GazetteError("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
