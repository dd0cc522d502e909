import Foundation
import GazetteCore
import GazetteStore
import Logging

extension Gazette {
    /// Deletes what `retention` no longer keeps: old articles, the rendered messages of old
    /// editions that are done, old skipped-edition records. The daemon does this once a day.
    public func prune() async throws -> PruneCounts {
        let date = now()
        let retention = configuration.retention
        let counts = try await store.prune(
            articlesBefore: date.addingTimeInterval(-TimeInterval(retention.articleDays) * 86_400),
            editionsBefore: date.addingTimeInterval(-TimeInterval(retention.editionDays) * 86_400)
        )
        logger.info(
            "pruned",
            metadata: [
                "articles": "\(counts.articles)", "edition.bodies": "\(counts.editionBodies)",
                "skipped.editions": "\(counts.skippedEditions)",
            ]
        )
        return counts
    }
}
