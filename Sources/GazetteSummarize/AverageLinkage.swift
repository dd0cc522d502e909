import HeapModule

/// Agglomerative clustering with average linkage (UPGMA) over a sparse similarity graph.
///
/// Every item starts alone; the two groups whose articles are most similar on average are
/// merged, again and again, until no two groups reach `threshold`. Two groups' similarity is
/// the sum of the similarities between their members divided by the number of member pairs;
/// a pair with no edge counts as 0. Average linkage does not chain the way single linkage does
/// (one shared word between two big groups is not enough), and does not need the number of
/// groups in advance.
///
/// The best pair comes from a heap; a merge pushes the merged group's new similarities and
/// makes older heap entries for it stale (recognised by a version number). Each merge walks
/// the merged group's links, so the work grows with the edges times the merges a group goes
/// through, not with the square of the number of items; the caller bounds the edges.
enum AverageLinkage {
    struct Edge {
        var a: Int
        var b: Int
        var similarity: Double
    }

    /// For each item, the smallest item of its group.
    static func groups(count: Int, edges: [Edge], threshold: Double) -> [Int] {
        // Two groups merge only when some pair between them reaches the threshold (an average
        // is never above its largest term), so every group lies inside one connected component
        // of the graph of such pairs. Edges between components can never matter: dropping
        // them first leaves most of a sparse graph out of the work below.
        var component = Array(0..<count)
        func root(_ item: Int) -> Int {
            var top = item
            while component[top] != top { top = component[top] }
            var step = item
            while component[step] != top { (step, component[step]) = (component[step], top) }
            return top
        }
        for edge in edges where edge.similarity >= threshold {
            let (a, b) = (root(edge.a), root(edge.b))
            if a != b { component[max(a, b)] = min(a, b) }
        }
        var links = Array(repeating: [Int: Double](), count: count)
        for edge in edges where edge.a != edge.b && root(edge.a) == root(edge.b) {
            links[edge.a][edge.b, default: 0] += edge.similarity
            links[edge.b][edge.a, default: 0] += edge.similarity
        }
        var size = Array(repeating: 1, count: count)
        var version = Array(repeating: 0, count: count)
        var parent = Array(0..<count)
        var heap = Heap<Candidate>()
        for (a, neighbours) in links.enumerated() {
            for (b, sum) in neighbours where a < b && sum >= threshold {
                heap.insert(Candidate(similarity: sum, a: a, b: b, versions: (0, 0)))
            }
        }
        while let best = heap.popMax() {
            guard version[best.a] == best.versions.0, version[best.b] == best.versions.1 else { continue }
            // The group with fewer links is folded into the other: less copying.
            let (kept, folded) = links[best.a].count >= links[best.b].count ? (best.a, best.b) : (best.b, best.a)
            for (other, sum) in links[folded] where other != kept {
                links[kept][other, default: 0] += sum
                links[other][kept, default: 0] += sum
                links[other][folded] = nil
            }
            links[kept][folded] = nil
            links[folded] = [:]
            size[kept] += size[folded]
            parent[folded] = kept
            version[kept] += 1
            version[folded] += 1
            for (other, sum) in links[kept] {
                let similarity = sum / Double(size[kept] * size[other])
                guard similarity >= threshold else { continue }
                let (a, b) = (min(kept, other), max(kept, other))
                heap.insert(Candidate(similarity: similarity, a: a, b: b, versions: (version[a], version[b])))
            }
        }
        var smallest = Array(0..<count)
        component = parent  // from here on `root` finds each item's group
        let roots = (0..<count).map(root)
        for (item, top) in roots.enumerated() { smallest[top] = min(smallest[top], item) }
        return roots.map { smallest[$0] }
    }

    /// A pair of groups and their average similarity when it was pushed. The heap's maximum is
    /// the most similar pair; equal similarities go to the lower item numbers, so the result
    /// does not depend on the heap's internals.
    private struct Candidate: Comparable {
        var similarity: Double
        var a: Int
        var b: Int
        var versions: (Int, Int)

        static func < (lhs: Candidate, rhs: Candidate) -> Bool {
            if lhs.similarity != rhs.similarity { return lhs.similarity < rhs.similarity }
            return (lhs.a, lhs.b) > (rhs.a, rhs.b)
        }

        static func == (lhs: Candidate, rhs: Candidate) -> Bool {
            lhs.similarity == rhs.similarity && lhs.a == rhs.a && lhs.b == rhs.b
        }
    }
}
