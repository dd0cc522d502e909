import Foundation
import GazetteCore
import GazetteStore
import Synchronization

/// The store reads that one send's digests share. Readers of the same country whose previous
/// editions came from the same run ask the store the same question (that country's articles
/// first seen since then), and the same story goes into many digests: each is read once per
/// run, not once per reader. Lives for one run only; the next run reads the store afresh. The
/// run sees each answer as it was when first read: an article ingested meanwhile waits for the
/// next edition (it is first seen after this one's start), and a story formed anew meanwhile
/// still gets the reader's articles (`stories(of:)` adds those its stored members lack).
public final class SelectionReads: Sendable {
    private let candidates = Mutex<[ArticleQuery: [Article]]>([:])
    /// Every article of a story, by story id (oldest first); an id the store has no article
    /// for maps to none.
    private let members = Mutex<[String: [Article]]>([:])

    public init() {}

    func articles(matching query: ArticleQuery, in store: any GazetteStore) async throws -> [Article] {
        if let known = candidates.withLock({ $0[query] }) { return known }
        let found = try await store.articles(matching: query)
        candidates.withLock { $0[query] = found }
        return found
    }

    /// The articles of each of the stories, by story id; one read for those not read before.
    func members(of storyIDs: [String], in store: any GazetteStore) async throws -> [String: [Article]] {
        var result: [String: [Article]] = [:]
        let missing = members.withLock { members in
            storyIDs.filter { id in
                guard let known = members[id] else { return true }
                result[id] = known
                return false
            }
        }
        guard !missing.isEmpty else { return result }
        let read = Dictionary(grouping: try await store.articles(storyIDs: missing), by: { $0.storyID ?? "" })
        members.withLock { members in
            for id in missing {
                members[id] = read[id] ?? []
                result[id] = read[id] ?? []
            }
        }
        return result
    }
}
