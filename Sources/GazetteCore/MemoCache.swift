import Synchronization

/// Values made once and looked up by key, shared between threads: the story summaries, items
/// and renderings a send reuses for every reader who gets the same story. Bounded: past
/// `capacity` entries (far more than a day's stories), everything is forgotten at once.
/// Inlinable: a lookup sits on the hot path of every digest, and the other modules' key types
/// would otherwise go through unspecialized generic code.
public final class MemoCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let values = Mutex<[Key: Value]>([:])
    @usableFromInline let capacity: Int

    public init(capacity: Int = 8_192) {
        self.capacity = capacity
    }

    /// The value for `key`, from `make` the first time. `make` runs outside the lock.
    @inlinable
    public func value(_ key: Key, make: () -> Value) -> Value {
        if let known = values.withLock({ $0[key] }) { return known }
        let made = make()
        values.withLock { values in
            if values.count >= capacity { values.removeAll() }
            values[key] = made
        }
        return made
    }

    /// Forgets every value (for benchmarks that measure from nothing).
    @inlinable
    public func removeAll() {
        values.withLock { $0.removeAll() }
    }
}

/// A text by its hash and length, not itself: a cache key that holds no copy of the text.
/// (The hash is seeded per process, so no one can aim two texts at one key.)
public struct TextDigest: Hashable, Sendable {
    public var hash: Int
    public var length: Int

    /// By its UTF-8 bytes: `String`'s own hash normalizes non-ASCII text scalar by scalar, and
    /// a send hashes every article's text once per digest that shows it. (Two spellings of the
    /// same text are two keys: the value is made twice, never mixed up.)
    public init(_ text: String) {
        var text = text
        var hasher = Hasher()
        length = text.withUTF8 { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            return bytes.count
        }
        hash = hasher.finalize()
    }
}
