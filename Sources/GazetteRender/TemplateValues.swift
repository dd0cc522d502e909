import Mustache

// What each template value shows to Mustache, by name. Looked up with a switch instead of
// swift-mustache's default `Mirror` reflection, which cost more than the rest of rendering.
//
// A nil optional is returned as `false`, not nil: for a nil child Mustache climbs to the
// enclosing context, so an alternative take without a link would otherwise be linked to its
// story's lead article. `false` ends the lookup and reads as an empty section.

private func present(_ value: Any?) -> Any { value ?? false }

extension DigestContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "siteTitle": siteTitle
        case "preheader": preheader
        case "title": title
        case "dateLabel": dateLabel
        case "scopeLabel": scopeLabel
        case "scopeWrapped": scopeWrapped
        case "footerWrapped": footerWrapped
        case "recipient": recipient
        case "unsubscribeURL": unsubscribeURL
        case "manageURL": manageURL
        case "archiveURL": archiveURL
        case "feedURL": present(feedURL)
        case "sections": sections
        case "hasStories": hasStories
        default: nil
        }
    }
}

extension DigestContent.Section: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "heading": heading
        case "articles": articles
        default: nil
        }
    }
}

extension DigestContent.Item: MustacheParent {
    /// Every name `child(named:)` answers, for checking templates (see `StoryTemplates`).
    static let mustacheNames: Set<String> = [
        "number", "title", "titleWrapped", "url", "sourceName", "publishedLabel", "summary", "summaryWrapped",
        "summaryParts", "hasSummaryParts", "takes", "hasTakes",
    ]

    public func child(named name: String) -> Any? {
        switch name {
        case "number": number
        case "title": title
        case "titleWrapped": titleWrapped
        case "url": present(url)
        case "sourceName": sourceName
        case "publishedLabel": publishedLabel
        case "summary": summary
        case "summaryWrapped": summaryWrapped
        case "summaryParts": summaryParts
        case "hasSummaryParts": hasSummaryParts
        case "takes": takes
        case "hasTakes": hasTakes
        default: nil
        }
    }
}

extension DigestContent.Take: MustacheParent {
    static let mustacheNames: Set<String> = ["sourceName", "countryName", "title", "url", "citation", "lineWrapped"]

    public func child(named name: String) -> Any? {
        switch name {
        case "sourceName": sourceName
        case "countryName": countryName
        case "title": title
        case "url": present(url)
        case "citation": citation
        case "lineWrapped": lineWrapped
        default: nil
        }
    }
}

extension DigestContent.SummaryPart: MustacheParent {
    static let mustacheNames: Set<String> = ["text", "citation", "url"]

    public func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "citation": citation
        case "url": present(url)
        default: nil
        }
    }
}

extension FeedContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "description": description
        case "siteURL": siteURL
        case "selfURL": selfURL
        case "feedID": feedID
        case "updatedRFC822": updatedRFC822
        case "updatedRFC3339": updatedRFC3339
        case "entries": entries
        default: nil
        }
    }
}

extension FeedContent.Entry: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "url": present(url)
        case "summary": summary
        case "contentHTML": contentHTML
        case "sourceName": sourceName
        case "publishedRFC822": publishedRFC822
        case "publishedRFC3339": publishedRFC3339
        case "updatedRFC3339": updatedRFC3339
        default: nil
        }
    }
}

extension FeedList: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "feeds": feeds
        default: nil
        }
    }
}

extension FeedList.Feed: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "xmlURL": xmlURL
        case "htmlURL": htmlURL
        default: nil
        }
    }
}

extension ConfirmationContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "siteTitle": siteTitle
        case "confirmURL": confirmURL
        case "intro": intro
        case "introWrapped": introWrapped
        case "ignore": ignore
        case "ignoreWrapped": ignoreWrapped
        default: nil
        }
    }
}

extension SubscribePageContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "siteTitle": siteTitle
        case "heading": heading
        case "formAction": formAction
        case "countries": countries
        case "topics": topics
        case "frequencies": frequencies
        case "hours": hours
        case "defaultTimeZone": defaultTimeZone
        case "managing": managing
        case "email": email
        case "paused": paused
        case "error": present(error)
        default: nil
        }
    }
}

extension SubscribePageContent.Choice: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "name": self.name  // not the parameter
        case "checked": checked
        default: nil
        }
    }
}

extension SubscribePageContent.Hour: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

extension PageContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "siteTitle": siteTitle
        case "title": title
        case "paragraphs": paragraphs
        case "formAction": present(formAction)
        case "buttonLabel": buttonLabel
        case "linkLabel": present(linkLabel)
        case "linkURL": present(linkURL)
        default: nil
        }
    }
}

extension NoticeContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "siteTitle": siteTitle
        case "title": title
        case "paragraphs": paragraphs
        case "paragraphsWrapped": paragraphsWrapped
        case "linkLabel": present(linkLabel)
        case "linkURL": present(linkURL)
        default: nil
        }
    }
}

/// Inside `{{#url}}…{{/url}}` the link itself is the innermost context, and every name looked
/// up there is first asked of it: a string has no children, said here without reflection.
extension String: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}
