import Foundation
import GazetteCore

/// What `confirm.*.mustache` sees: the double opt-in email sent after a web subscription.
public struct ConfirmationContent: Sendable {
    public var siteTitle: String
    public var confirmURL: String
    public var intro: String
    public var introWrapped: String
    public var ignore: String
    public var ignoreWrapped: String

    /// - Parameters:
    ///   - scope: what was asked for, e.g. "Germany, France (climate)".
    ///   - validHours: how long the link works.
    public init(siteTitle: String, recipient: EmailAddress, scope: String, confirmURL: URL, validHours: Int) {
        self.siteTitle = SafeText.line(siteTitle)
        self.confirmURL = confirmURL.absoluteString
        intro =
            "Someone, hopefully you, asked for \(self.siteTitle)'s digest of \(SafeText.line(scope)) "
            + "to be sent to \(recipient.value). Confirm with the link below; it works for \(validHours) hours."
        ignore = "If you did not ask for this, ignore this email: nothing will be sent to you."
        introWrapped = TextWrap.wrap(intro)
        ignoreWrapped = TextWrap.wrap(ignore)
    }
}

/// What `notice.*.mustache` sees: a short message about the reader's subscription.
public struct NoticeContent: Sendable {
    public var siteTitle: String
    public var title: String
    public var paragraphs: [String]
    public var paragraphsWrapped: [String]
    public var linkLabel: String?
    public var linkURL: String?

    public init(siteTitle: String, title: String, paragraphs: [String], link: (label: String, url: URL)? = nil) {
        self.siteTitle = SafeText.line(siteTitle)
        self.title = SafeText.line(title)
        self.paragraphs = paragraphs.map(SafeText.xml)
        paragraphsWrapped = self.paragraphs.map { TextWrap.wrap($0) }
        linkLabel = link.map { SafeText.line($0.label) }
        linkURL = link?.url.absoluteString
    }
}

/// What `page.html.mustache` sees: a small web page, with at most one button that POSTs.
public struct PageContent: Sendable {
    public var siteTitle: String
    public var title: String
    public var paragraphs: [String]
    /// Where the page's one button posts; nil: no form.
    public var formAction: String?
    public var buttonLabel: String
    /// One link under the text (back to a page); nil: none.
    public var linkLabel: String?
    public var linkURL: String?

    public init(
        siteTitle: String,
        title: String,
        paragraphs: [String],
        formAction: String? = nil,
        buttonLabel: String = "",
        link: (label: String, url: String)? = nil
    ) {
        self.siteTitle = SafeText.line(siteTitle)
        self.title = SafeText.line(title)
        self.paragraphs = paragraphs.map(SafeText.xml)
        self.formAction = formAction
        self.buttonLabel = SafeText.line(buttonLabel)
        linkLabel = link.map { SafeText.line($0.label) }
        linkURL = link?.url
    }
}

/// What `subscribe.html.mustache` sees: the sign-up form, or a subscriber's own settings
/// (`/manage/{token}`: the same form, filled in, with a pause or resume button).
public struct SubscribePageContent: Sendable {
    public struct Choice: Sendable {
        public var code: String
        public var name: String
        public var checked: Bool
    }
    public struct Hour: Sendable {
        public var value: Int
        public var label: String
        public var selected: Bool
    }

    /// A subscriber's current settings, for the manage page.
    public struct Current: Sendable {
        public var email: String
        public var countries: Set<Country>
        public var topics: Set<Topic>
        public var frequency: Subscription.Frequency
        public var hour: Int
        public var timeZone: TimeZone
        public var active: Bool

        public init(subscriber: Subscriber, subscription: Subscription) {
            email = subscriber.email.value
            countries = Set(subscription.countries)
            topics = Set(subscription.topics)
            frequency = subscription.frequency
            hour = subscription.sendHour
            timeZone = subscription.timeZone
            active = subscriber.status == .active
        }
    }

    public var siteTitle: String
    public var heading: String
    public var formAction: String
    public var countries: [Choice]
    public var topics: [Choice]
    public var frequencies: [Choice]
    public var hours: [Hour]
    public var defaultTimeZone: String
    /// Managing: the address (not editable) and whether the digest is paused.
    public var managing: Bool
    public var email: String
    public var paused: Bool
    /// What was wrong with the last submission; nil on a fresh form.
    public var error: String?

    public init(
        siteTitle: String,
        countries: [Country],
        topics: [Topic],
        defaultHour: Int,
        defaultTimeZone: TimeZone,
        current: Current? = nil,
        formAction: String = "/subscribe",
        error: String? = nil
    ) {
        self.siteTitle = SafeText.line(siteTitle)
        heading = current == nil ? "The day's news, by email" : "Your digest"
        self.formAction = formAction
        self.countries = countries.map {
            Choice(code: $0.code, name: $0.name, checked: current?.countries.contains($0) ?? false)
        }
        self.topics = topics.map {
            Choice(code: $0.slug, name: $0.slug, checked: current?.topics.contains($0) ?? false)
        }
        let frequency = current?.frequency ?? .daily
        frequencies = [("daily", "Every day"), ("weekdays", "Monday to Friday"), ("weekly", "Mondays")].map {
            Choice(code: $0.0, name: $0.1, checked: $0.0 == frequency.rawValue)
        }
        let hour = current?.hour ?? defaultHour
        hours = (0..<24).map { Hour(value: $0, label: String(format: "%02d:00", $0), selected: $0 == hour) }
        self.defaultTimeZone = (current?.timeZone ?? defaultTimeZone).identifier
        managing = current != nil
        email = current?.email ?? ""
        paused = current.map { !$0.active } ?? false
        self.error = error.map(SafeText.line)
    }
}

extension DigestRenderer {
    public func subscribePage(_ content: SubscribePageContent) -> String {
        templates.render(.subscribe, content)
    }

    public func page(_ content: PageContent) -> String {
        templates.render(.page, content)
    }

    /// The double opt-in email: no list headers, the reader is not on a list yet.
    public func confirmationEmail(
        _ content: ConfirmationContent,
        from: MailboxName,
        to: EmailAddress,
        messageID: String,
        date: Date
    ) -> MailMessage {
        MailMessage(
            from: from,
            to: to,
            subject: "Please confirm your subscription to \(content.siteTitle)",
            date: date,
            messageID: messageID,
            listUnsubscribe: nil,
            text: templates.render(.confirmText, content),
            html: templates.render(.confirmHTML, content)
        )
    }

    public func noticeEmail(
        _ content: NoticeContent,
        from: MailboxName,
        to: EmailAddress,
        messageID: String,
        date: Date
    ) -> MailMessage {
        MailMessage(
            from: from,
            to: to,
            subject: "\(content.siteTitle): \(content.title)",
            date: date,
            messageID: messageID,
            listUnsubscribe: nil,
            text: templates.render(.noticeText, content),
            html: templates.render(.noticeHTML, content)
        )
    }
}
