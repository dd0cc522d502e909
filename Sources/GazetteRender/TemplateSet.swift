import Foundation
import Mustache

/// The Mustache templates in `templates/`, loaded once and checked for the ones Gazette needs.
public struct TemplateSet: Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case digestHTML = "digest.html"
        case digestText = "digest.txt"
        case rss = "feed.rss"
        case atom = "feed.atom"
        case opml = "feeds.opml"
        /// Partials: one story of a digest, included by `digest.html` and `digest.txt`.
        case storyHTML = "story.html"
        case storyText = "story.txt"
        /// The double opt-in email.
        case confirmHTML = "confirm.html"
        case confirmText = "confirm.txt"
        /// A short message about the subscription: unsubscribed, preferences changed.
        case noticeHTML = "notice.html"
        case noticeText = "notice.txt"
    }

    private let library: MustacheLibrary

    public init(directory: URL) async throws {
        do {
            library = try await MustacheLibrary(directory: directory.path)
        } catch let error as MustacheLibrary.ParserError {
            throw RenderError("template \(error.filename): line \(error.context.lineNumber): \(error.error)")
        }
        for name in Name.allCases where library.getTemplate(named: name.rawValue) == nil {
            throw RenderError("template \(name.rawValue).mustache is missing from \(directory.path)")
        }
    }

    func render(_ name: Name, _ object: Any) -> String {
        // Presence was checked in init, so this never returns nil.
        library.render(object, withTemplate: name.rawValue) ?? ""
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
