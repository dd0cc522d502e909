/// Rows of sparse term weights, one row per article, stored compressed: one flat array of term
/// numbers, one of weights, and where each row starts. Ten thousand articles are three arrays,
/// not ten thousand dictionaries, and a row is read front to back.
struct SparseRows {
    private(set) var terms: [Int32] = []
    private(set) var weights: [Double] = []
    private var starts: [Int] = [0]

    init() {}

    /// Rows given whole: row `i` is `terms[ends[i - 1]..<ends[i]]` (from 0 for the first),
    /// each scaled to unit length here.
    init(terms: [Int32], weights: [Double], ends: [Int]) {
        self.terms = terms
        self.weights = weights
        starts = [0] + ends
        for row in 0..<count { normalize(self.row(row)) }
    }

    var count: Int { starts.count - 1 }

    func row(_ index: Int) -> Range<Int> { starts[index]..<starts[index + 1] }

    /// Appends a row, scaled to unit length (an empty row stays empty).
    mutating func append(_ row: [(term: Int32, weight: Double)]) {
        let first = terms.count
        for entry in row where entry.weight != 0 {
            terms.append(entry.term)
            weights.append(entry.weight)
        }
        normalize(first..<terms.count)
        starts.append(terms.count)
    }

    /// Scales the weights in `range` to unit length (all zero stays all zero).
    private mutating func normalize(_ range: Range<Int>) {
        let length = weights[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return }
        for position in range { weights[position] /= length }
    }

    /// The row's `count` heaviest terms, heaviest first; ties go to the lower term number, so
    /// the choice is deterministic. A bounded insertion pass, not a sort of the whole row.
    func heaviestTerms(of index: Int, _ count: Int) -> [Int32] {
        guard count > 0 else { return [] }
        func heavier(_ a: Int, than b: Int) -> Bool {
            weights[a] != weights[b] ? weights[a] > weights[b] : terms[a] < terms[b]
        }
        var top: [Int] = []
        top.reserveCapacity(count + 1)
        for position in row(index) {
            if top.count == count, let last = top.last, !heavier(position, than: last) { continue }
            var slot = top.count
            while slot > 0, heavier(position, than: top[slot - 1]) { slot -= 1 }
            top.insert(position, at: slot)
            if top.count > count { top.removeLast() }
        }
        return top.map { terms[$0] }
    }
}

/// A dense scratch vector over the whole vocabulary that remembers which entries it touched, so
/// that clearing it costs what filling it did. One row is spread into it, then any number of
/// other rows are multiplied against it in time proportional to their own length.
struct DenseScratch {
    private(set) var values: [Double]
    private(set) var touched: [Int32] = []

    init(columns: Int) {
        values = Array(repeating: 0, count: columns)
    }

    var columns: Int { values.count }

    /// Adds a row, times `scale`, to the scratch vector. Weights and scales are positive, so an
    /// entry that is still 0 has not been touched.
    mutating func add(_ rows: SparseRows, row index: Int, scale: Double = 1) {
        let range = rows.row(index)
        rows.terms.withUnsafeBufferPointer { terms in
            rows.weights.withUnsafeBufferPointer { weights in
                values.withUnsafeMutableBufferPointer { values in
                    for position in range {
                        let term = Int(terms[position])
                        if values[term] == 0 { touched.append(terms[position]) }
                        values[term] += weights[position] * scale
                    }
                }
            }
        }
    }

    /// The dot product of the scratch vector with a row.
    func dot(_ rows: SparseRows, row index: Int) -> Double {
        let range = rows.row(index)
        return rows.terms.withUnsafeBufferPointer { terms in
            rows.weights.withUnsafeBufferPointer { weights in
                values.withUnsafeBufferPointer { values in
                    var sum = 0.0
                    for position in range { sum += values[Int(terms[position])] * weights[position] }
                    return sum
                }
            }
        }
    }

    /// Scales the vector to unit length (an empty one stays empty).
    mutating func normalize() {
        let length = touched.reduce(0) { $0 + values[Int($1)] * values[Int($1)] }.squareRoot()
        guard length > 0 else { return }
        for term in touched { values[Int(term)] /= length }
    }

    /// The touched entries, in the order they were first touched, and a cleared scratch vector.
    mutating func drain() -> [(term: Int32, weight: Double)] {
        let entries = touched.map { (term: $0, weight: values[Int($0)]) }
        clear()
        return entries
    }

    mutating func clear() {
        for term in touched { values[Int(term)] = 0 }
        touched.removeAll(keepingCapacity: true)
    }
}
