import Foundation

/// A sparse term-weight vector, L2-normalised on request.
public struct SparseVector: Sendable {
    public var weights: [Terms.ID: Double]

    public init(_ weights: [Terms.ID: Double] = [:]) {
        self.weights = weights
    }

    public var norm: Double { weights.values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    public func normalized() -> SparseVector {
        let length = norm
        guard length > 0 else { return self }
        return SparseVector(weights.mapValues { $0 / length })
    }

    /// The dot product; for normalised vectors, the cosine similarity.
    public func dot(_ other: SparseVector) -> Double {
        let (small, large) = weights.count <= other.weights.count ? (weights, other.weights) : (other.weights, weights)
        var sum = 0.0
        for (term, weight) in small {
            if let otherWeight = large[term] { sum += weight * otherWeight }
        }
        return sum
    }

    public mutating func add(_ other: SparseVector, scale: Double = 1) {
        for (term, weight) in other.weights { weights[term, default: 0] += weight * scale }
    }

    /// The `count` heaviest terms, heaviest first (ties by term, so the result is deterministic).
    /// A bounded insertion pass, not a full sort: centroids hold thousands of terms.
    public func topTerms(_ count: Int) -> [Terms.ID] {
        guard count > 0 else { return [] }
        func heavier(_ a: (key: Terms.ID, value: Double), _ b: (key: Terms.ID, value: Double)) -> Bool {
            a.value != b.value ? a.value > b.value : a.key < b.key
        }
        var top: [(key: Terms.ID, value: Double)] = []
        top.reserveCapacity(count + 1)
        for entry in weights {
            if top.count == count, let last = top.last, !heavier(entry, last) { continue }
            let position = top.firstIndex { heavier(entry, $0) } ?? top.count
            top.insert(entry, at: position)
            if top.count > count { top.removeLast() }
        }
        return top.map(\.key)
    }
}

/// Document frequencies that grow as documents arrive, for TF-IDF in a stream.
public struct DocumentFrequencies: Sendable {
    public private(set) var documents = 0
    private var counts: [Terms.ID: Int] = [:]

    public init() {}

    public mutating func add<IDs: Sequence>(_ terms: IDs) where IDs.Element == Terms.ID {
        documents += 1
        for term in Set(terms) { counts[term, default: 0] += 1 }
    }

    /// Smoothed inverse document frequency; unseen terms count as rare.
    public func idf(_ term: Terms.ID) -> Double {
        log(Double(documents + 1) / Double(counts[term, default: 0] + 1)) + 1
    }
}
