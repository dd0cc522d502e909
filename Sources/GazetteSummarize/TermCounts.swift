import Foundation

/// Counts the terms of documents (articles, or the sentences of one article) and the documents
/// of each term, numbering terms 0, 1, 2… as they first appear, then turns the counts into
/// TF-IDF rows. Arrays indexed by term number, not dictionaries: counting every word of ten
/// thousand articles is most of the work of clustering them.
struct TermCounts {
    private var numbers: TermTable
    private var documentFrequency: [Int] = []
    private var counts: [Double] = []  // by term number, for the document being added
    private var touched: [Int32] = []
    private var rowTerms: [Int32] = []
    private var rowCounts: [Double] = []
    private var rowEnds: [Int] = []

    init(expectedTerms: Int = 256) {
        numbers = TermTable(capacity: expectedTerms)
    }

    var documents: Int { rowEnds.count }
    var columns: Int { documentFrequency.count }

    /// Adds one document; a salient term (a name or a number) counts `salientWeight` times.
    mutating func add(_ terms: [Terms.Term], salientWeight: Double = 1) {
        for term in terms {
            let (number, isNew) = numbers.number(for: term.id)
            if isNew {
                documentFrequency.append(0)
                counts.append(0)
            }
            if counts[Int(number)] == 0 { touched.append(number) }
            counts[Int(number)] += term.salient ? salientWeight : 1
        }
        for number in touched {
            documentFrequency[Int(number)] += 1
            rowTerms.append(number)
            rowCounts.append(counts[Int(number)])
            counts[Int(number)] = 0
        }
        touched.removeAll(keepingCapacity: true)
        rowEnds.append(rowTerms.count)
    }

    /// One unit-length row per document: each term weighs `frequency(count)` times its smoothed
    /// inverse document frequency, log((N + 1) / (df + 1)) + 1.
    func tfidf(frequency: (Double) -> Double) -> SparseRows {
        let documents = Double(self.documents)
        let idf = documentFrequency.map { log((documents + 1) / Double($0 + 1)) + 1 }
        let weights = rowTerms.indices.map { frequency(rowCounts[$0]) * idf[Int(rowTerms[$0])] }
        return SparseRows(terms: rowTerms, weights: weights, ends: rowEnds)
    }
}
