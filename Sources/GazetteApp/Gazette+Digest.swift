import Foundation
import GazetteCore
import GazetteRender
import GazetteStore
import GazetteSummarize

/// One subscriber's digest for one period, rendered but not sent.
public struct PreparedDigest: Sendable {
    public var record: SubscriberRecord
    public var period: String
    public var articleIDs: [Int64]
    public var content: DigestContent
    public var message: MailMessage
}

extension Gazette {
    /// How many articles a digest shows at most per country.
    static let articlesPerCountry = 10

    /// The period an edition covers in the subscriber's own time zone: `2026-11-29` for a daily
    /// digest, `2026-W48` for a weekly one. (subscription, period) identifies an edition.
    public static func period(of subscription: Subscription, at date: Date) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = subscription.timeZone
        switch subscription.frequency {
        case .daily:
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        case .weekly:
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
        }
    }

    /// Whether the subscription's send hour has come in its time zone: daily from that hour on,
    /// weekly from that hour on Mondays.
    public static func isDue(_ subscription: Subscription, at date: Date) -> Bool {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = subscription.timeZone
        let c = calendar.dateComponents([.hour, .weekday], from: date)
        guard c.hour! >= subscription.sendHour else { return false }
        return subscription.frequency == .daily || c.weekday == 2
    }

    /// The articles a subscription wants from the period that ends now: newest first, at most
    /// `articlesPerCountry` for each country.
    func selectArticles(for subscription: Subscription, until end: Date) async throws -> [Article] {
        let window: TimeInterval = subscription.frequency == .daily ? 86_400 : 7 * 86_400
        var selected: [Article] = []
        for country in subscription.countries {
            selected += try await store.articles(
                matching: ArticleQuery(
                    countries: [country],
                    topics: subscription.topics,
                    since: end.addingTimeInterval(-window),
                    until: end,
                    limit: Self.articlesPerCountry
                )
            )
        }
        return selected
    }

    /// Renders a subscriber's digest from the given articles: one item per story, led by the
    /// subscriber's article, summarized across the story's articles, with the other outlets'
    /// articles as alternative takes.
    func prepare(_ record: SubscriberRecord, articles: [Article], period: String) async throws -> PreparedDigest {
        let date = now()
        let subscription = record.subscription
        let feedURL =
            subscription.countries.count == 1
            ? configuration.site.baseURL.appendingPathComponent(
                Self.countryFeedPath(subscription.countries[0], format: "atom")
            ) : nil
        let unsubscribe = unsubscribeURL(token: record.subscriber.token)
        let stories = try await digestStories(for: articles, topics: subscription.topics, ranked: true)
        let content = DigestContent(
            recipient: record.subscriber.email,
            subscription: subscription,
            stories: stories,
            sourceNames: sourceNames,
            siteTitle: configuration.site.title,
            unsubscribeURL: unsubscribe,
            feedURL: feedURL,
            date: date
        )
        let from = configuration.delivery.from
        // Stable for the edition: a retry or a lost 250 reply reuses the same Message-ID.
        let messageID =
            "\(period).\(subscription.id ?? 0).\(StableHash.hex(record.subscriber.email.value))"
            + "@\(from.address.domain)"
        let message = renderer.email(
            content,
            format: subscription.format,
            from: from,
            to: record.subscriber.email,
            listUnsubscribe: unsubscribe,
            messageID: messageID,
            date: date
        )
        return PreparedDigest(
            record: record,
            period: period,
            articleIDs: articles.compactMap(\.id),
            content: content,
            message: message
        )
    }

    /// The articles as stories for a digest or a feed: each story once, led by the first of the
    /// given articles in it, with the story's cited summary (when it has several articles) and
    /// the other articles as alternative takes; ranked for a reader, or newest first.
    func digestStories(for articles: [Article], topics: [Topic], ranked: Bool) async throws -> [DigestContent.Story] {
        var stories = try await stories(of: articles)
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
        let date = now()
        let articles = try await selectArticles(for: record.subscription, until: date)
        return try await prepare(record, articles: articles, period: Self.period(of: record.subscription, at: date))
    }
}
