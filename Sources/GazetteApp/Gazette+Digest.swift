import Foundation
import GazetteCore
import GazetteRender
import GazetteStore
import GazetteSummarize

/// One subscriber's digest for one period, rendered but not sent.
public struct PreparedDigest: Sendable {
    public var record: SubscriberRecord
    public var period: String
    /// The edition's key: `/archive/{key}`, and its id in the private feed.
    public var editionKey: String
    /// Every article shown: each story's lead and its alternative takes.
    public var articleIDs: [Int64]
    public var content: DigestContent
    public var message: MailMessage
}

extension Gazette {
    /// A returning reader's first edition reaches back this far at most.
    static let longestCatchUp: TimeInterval = 7 * 86_400

    /// The period an edition covers in the subscriber's own time zone: `2026-11-29` for a daily
    /// digest, `2026-W48` for a weekly one. (subscription, period) identifies an edition.
    public static func period(of subscription: Subscription, at date: Date) -> String {
        Schedule(subscription).period(of: date)
    }

    /// The stories for a subscription's edition that ends at `end`: those first seen since its
    /// previous edition (for a first edition, in the last day or week), in its countries and
    /// topics, ranked, at most `digest.maxStories`. A story seen before, even if it has new
    /// takes, was in an earlier edition or before the reader's time: it is not news again.
    /// - Parameter reads: the store reads shared with the run's other digests (nil: none).
    func selectStories(
        for subscription: Subscription,
        until end: Date,
        reads: SelectionReads? = nil
    ) async throws -> [DigestContent.Story] {
        let window: TimeInterval = subscription.frequency == .weekly ? 7 * 86_400 : 86_400
        var since = end.addingTimeInterval(-window)
        let period = Self.period(of: subscription, at: end)
        var shownBefore: Set<Int64> = []
        // The previous edition that reached the reader or may still: one refused for good did not,
        // so its stories are still news.
        if let id = subscription.id,
            let previous = try await store.editionStates(subscriptionID: id, limit: 10).first(where: {
                $0.period != period && $0.status != .failed
            })
        {
            // An article is stamped first seen when its feed's fetch begins, and stored when the
            // fetch ends: one whose fetch straddled the previous edition was stored too late for
            // it and stamped too early for this one. So this edition looks back as far as a fetch
            // can take, and leaves out what the previous edition did show.
            let fetchesInFlight = TimeInterval(configuration.ingest.timeoutSeconds + 60)
            since = max(previous.createdAt - fetchesInFlight, end.addingTimeInterval(-Self.longestCatchUp))
            shownBefore = Set(previous.articleIDs)
        }
        var candidates: [Article] = []
        for country in subscription.countries {
            let query = ArticleQuery(
                countries: [country],
                topics: subscription.topics,
                // A new feed's week-old items were first seen today, but they are not today's news.
                since: since.addingTimeInterval(-Self.longestCatchUp),
                until: end,
                firstSeenSince: since,
                limit: 200
            )
            if let reads {
                candidates += try await reads.articles(matching: query, in: store)
            } else {
                candidates += try await store.articles(matching: query)
            }
        }
        let stories = try await digestStories(
            for: candidates,
            topics: subscription.topics,
            ranked: true,
            reads: reads
        )
        let fresh = stories.filter { story in
            ([story.lead] + story.takes).allSatisfy { $0.fetchedAt >= since && !shownBefore.contains($0.id ?? -1) }
        }
        return Array(fresh.prefix(configuration.digest.maxStories))
    }

    /// Renders a subscriber's edition from its stories: each led by the subscriber's article,
    /// summarized across the story's articles, with the other articles as alternative takes.
    func prepare(_ record: SubscriberRecord, stories: [DigestContent.Story], period: String) -> PreparedDigest {
        let date = now()
        let subscription = record.subscription
        let editionKey = Edition.key(
            subscriptionID: subscription.id ?? 0,
            period: period,
            token: record.subscriber.token
        )
        let links = links(for: record, editionKey: editionKey)
        let content = DigestContent(
            recipient: record.subscriber.email,
            subscription: subscription,
            stories: stories,
            sourceNames: sourceNames,
            siteTitle: configuration.site.title,
            links: links,
            date: date,
            items: storyItems
        )
        let message = renderer.email(
            content,
            format: subscription.format,
            from: configuration.delivery.from,
            to: record.subscriber.email,
            links: links,
            messageID: messageID(for: record, period: period),
            date: date
        )
        return PreparedDigest(
            record: record,
            period: period,
            editionKey: editionKey,
            articleIDs: stories.flatMap { [$0.lead] + $0.takes }.compactMap(\.id),
            content: content,
            message: message
        )
    }

    /// Stable for the edition: a retry or a lost 250 reply reuses the same Message-ID.
    func messageID(for record: SubscriberRecord, period: String) -> String {
        "\(period).\(record.subscription.id ?? 0).\(StableHash.hex(record.subscriber.email.value))"
            + "@\(configuration.delivery.from.address.domain)"
    }

    /// The message of an edition claimed earlier, exactly as it was rendered then.
    func message(of edition: Edition, for record: SubscriberRecord) -> MailMessage {
        let unsubscribe = unsubscribeLinks(for: record.subscriber)
        return MailMessage(
            from: configuration.delivery.from,
            to: record.subscriber.email,
            subject: edition.subject,
            date: edition.createdAt,
            messageID: edition.messageID,
            listUnsubscribe: unsubscribe.https,
            listUnsubscribeMailto: unsubscribe.mailto,
            text: edition.text,
            html: edition.html
        )
    }

    /// The articles as stories for a digest or a feed: each story once, led by the first of the
    /// given articles in it, with the story's cited summary (when it has several articles) and
    /// the other articles as alternative takes; ranked for a reader, or newest first.
    func digestStories(
        for articles: [Article],
        topics: [Topic],
        ranked: Bool,
        reads: SelectionReads? = nil
    ) async throws -> [DigestContent.Story] {
        var stories = try await stories(of: articles, reads: reads)
        if ranked {
            stories = StoryRanking.ranked(stories, articles: \.articles, now: now(), topics: topics)
        }
        let wanted = Set(articles.compactMap(\.id))
        let result = stories.compactMap { story -> DigestContent.Story? in
            let lead =
                story.articles.first { wanted.contains($0.id ?? -1) }
                ?? articles.first { "a\($0.id ?? 0)" == story.id }
            guard let lead else { return nil }
            let summary =
                story.articles.count > 1 ? story.summary.map { (text: $0.text, articleID: Int64($0.source)) } : nil
            return DigestContent.Story(lead: lead, summary: summary, takes: story.articles.filter { $0.id != lead.id })
        }
        return ranked ? result : result.sorted { $0.lead.publishedAt > $1.lead.publishedAt }
    }

    /// The digest a subscriber would receive now, without sending or recording anything.
    public func previewDigest(for email: EmailAddress) async throws -> PreparedDigest {
        guard let record = try await store.subscriber(email) else {
            throw GazetteError("no subscriber \(email); add one with `gazette subscribe`")
        }
        return try await previewDigest(for: record)
    }

    /// The digest a subscriber would receive now. Previews that share `reads` share the store
    /// reads, as a send's digests do (and see the store as it was at their first read).
    public func previewDigest(for record: SubscriberRecord, reads: SelectionReads? = nil) async throws -> PreparedDigest
    {
        let date = now()
        let stories = try await selectStories(for: record.subscription, until: date, reads: reads)
        return prepare(record, stories: stories, period: Self.period(of: record.subscription, at: date))
    }
}
