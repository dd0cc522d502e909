/// A hash table from term ids to small numbers (0, 1, 2… in order of first insertion), with open
/// addressing. Term ids are already 64-bit hashes, so a multiply picks the slot; Swift's
/// `Dictionary` would hash them again with SipHash, which was most of the cost of tokenizing.
///
/// Feeds are hostile: were the slot a fixed function of the id, someone who knows the term hash
/// could pick words that all land in one run of slots and make every insert walk it. Each table
/// mixes in its own random seed, so where a term lands cannot be known in advance. Numbers do not
/// depend on the seed, so results stay deterministic.
struct TermTable: Sendable {
    private var keys: [UInt64]
    private var numbers: [Int32]
    private var shift: UInt64
    private let seed = UInt64.random(in: .min ... .max)
    private(set) var count = 0

    init(capacity: Int = 512) {
        var bits: UInt64 = 4
        while 1 << bits < capacity * 2 { bits += 1 }
        keys = Array(repeating: 0, count: 1 << bits)
        numbers = Array(repeating: -1, count: 1 << bits)
        shift = 64 - bits
    }

    init(_ ids: some Sequence<Terms.ID>) {
        self.init()
        for id in ids { _ = number(for: id) }
    }

    private func slot(_ id: Terms.ID) -> Int {
        Int(truncatingIfNeeded: ((id ^ seed) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    func contains(_ id: Terms.ID) -> Bool {
        let mask = keys.count - 1
        var position = slot(id)
        while numbers[position] >= 0 {
            if keys[position] == id { return true }
            position = (position + 1) & mask
        }
        return false
    }

    /// The id's number, giving it the next one (`count` before the call) when it is new.
    mutating func number(for id: Terms.ID) -> (number: Int32, isNew: Bool) {
        if count * 2 >= keys.count { grow() }
        let mask = keys.count - 1
        var position = slot(id)
        while numbers[position] >= 0 {
            if keys[position] == id { return (numbers[position], false) }
            position = (position + 1) & mask
        }
        keys[position] = id
        numbers[position] = Int32(count)
        count += 1
        return (numbers[position], true)
    }

    private mutating func grow() {
        let (oldKeys, oldNumbers) = (keys, numbers)
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        numbers = Array(repeating: -1, count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (id, number) in zip(oldKeys, oldNumbers) where number >= 0 {
            var position = slot(id)
            while numbers[position] >= 0 { position = (position + 1) & mask }
            keys[position] = id
            numbers[position] = number
        }
    }
}
