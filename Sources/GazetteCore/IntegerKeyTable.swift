/// Values by a nonzero integer key (a short name's or a word's packed bytes): an
/// open-addressing table at most a quarter full, with linear probing. A lookup costs one
/// multiplication and a probe or two, and a key it lacks usually finds an empty slot at once,
/// where Dictionary's SipHash of an integer costs as much as a short string's. Made once, read
/// on hot paths: the HTML reader's tag names and the keyword index's words.
/// Inlinable: the other modules' value types would otherwise go through unspecialized generic code.
public struct IntegerKeyTable<Value> {
    @usableFromInline let keys: [UInt64]
    @usableFromInline let values: [Value?]
    /// 64 minus the table's size in bits: the slot is the top bits of the scrambled key.
    @usableFromInline let shift: UInt64

    /// - Precondition: no key is 0 (0 marks an empty slot), and no key comes twice.
    public init(_ entries: some Sequence<(key: UInt64, value: Value)>) {
        let entries = Array(entries)
        var size = 16
        while size < entries.count * 4 { size *= 2 }
        shift = 64 - UInt64(size.trailingZeroBitCount)
        var keys = [UInt64](repeating: 0, count: size)
        var values = [Value?](repeating: nil, count: size)
        for (key, value) in entries {
            precondition(key != 0, "0 marks an empty slot")
            var slot = Self.slot(key, shift: shift)
            while keys[slot] != 0 {
                precondition(keys[slot] != key, "a key comes twice")
                slot = (slot + 1) & (size - 1)
            }
            keys[slot] = key
            values[slot] = value
        }
        self.keys = keys
        self.values = values
    }

    /// Fibonacci hashing: the top bits of the key times 2^64 / φ.
    @inlinable @inline(__always) static func slot(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inlinable @inline(__always) public subscript(key: UInt64) -> Value? {
        var slot = Self.slot(key, shift: shift)
        while keys[slot] != 0 {
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & (keys.count - 1)
        }
        return nil
    }
}

extension IntegerKeyTable: Sendable where Value: Sendable {}
