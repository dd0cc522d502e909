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
        /// The web pages: unsubscribe, a confirmation, a not-found.
        case page = "page.html"
        /// The sign-up form.
        case subscribe = "subscribe.html"
    }

    private let library: MustacheLibrary
    /// The same templates with each story partial standing for a stored fragment, and the
    /// digest templates' parts (see `CompiledDigest`).
    private let fragmentedLibrary: MustacheLibrary
    let storyFragments: StoryFragments
    /// The digest templates taken apart, where they allow it.
    private let compiledDigests: [Name: CompiledDigest]

    public init(directory: URL) async throws {
        // Before parsing: `{{% CONTENT_TYPE: HTML}}` is resolved when a template is parsed.
        MustacheContentTypes.register(HTMLEscaping(), named: "HTML")
        do {
            library = try await MustacheLibrary(directory: directory.path)
        } catch let error as MustacheLibrary.ParserError {
            throw RenderError("template \(error.filename): line \(error.context.lineNumber): \(error.error)")
        }
        for name in Name.allCases where library.getTemplate(named: name.rawValue) == nil {
            throw RenderError("template \(name.rawValue).mustache is missing from \(directory.path)")
        }
        var fragmented = library
        var compiled: [Name: CompiledDigest] = [:]
        var cacheable: Set<String> = []
        var placeIndependent: Set<String> = []
        func source(_ name: Name) -> String? {
            try? String(contentsOf: directory.appendingPathComponent(name.rawValue + ".mustache"), encoding: .utf8)
        }
        for (digest, partial, other) in [
            (Name.digestHTML, Name.storyHTML, Name.storyText), (.digestText, .storyText, .storyHTML),
        ] {
            // A digest that also includes the other story partial is rendered as it always was:
            // the fragments stand in for one partial at a time.
            guard let digestSource = source(digest), let partialSource = source(partial),
                !digestSource.contains(other.rawValue),
                let digestCompiled = CompiledDigest.compile(
                    digest: digest.rawValue,
                    source: digestSource,
                    partial: partial.rawValue,
                    partialSource: partialSource,
                    in: &fragmented
                )
            else { continue }
            compiled[digest] = digestCompiled
            cacheable.formUnion([partial.rawValue, digestCompiled.articlesBlock])
            if StoryTemplates.isPlaceIndependent(partialSource) {
                placeIndependent.insert(partial.rawValue)
                if digestCompiled.articlesBlockIsPlaceIndependent {
                    placeIndependent.insert(digestCompiled.articlesBlock)
                }
            }
        }
        fragmentedLibrary = fragmented
        compiledDigests = compiled
        storyFragments = StoryFragments(templates: cacheable, placeIndependent: placeIndependent)
    }

    /// Whether `digest` renders each story once, as a stored fragment (see `CompiledDigest`).
    func rendersStoriesOnce(_ digest: Name) -> Bool { compiledDigests[digest] != nil }

    /// A digest template taken apart (see `CompiledDigest`), with its stories rendered once
    /// each through `storyFragments`, where the templates allow it; otherwise as any template.
    func render(_ digest: Name, story partial: Name, _ content: DigestContent) -> String {
        guard let compiled = compiledDigests[digest],
            let rendered = compiled.render(
                content,
                stories: storyFragments,
                library: fragmentedLibrary,
                renderPartial: { render(partial, $0) }
            )
        else { return render(digest, content) }
        return rendered
    }

    func render(_ name: Name, _ object: Any) -> String {
        // Presence was checked in init, so this never returns nil.
        library.render(object, withTemplate: name.rawValue) ?? ""
    }
}

/// The same escaping as swift-mustache's own HTML content type (`< > & " '`), on UTF-8 bytes
/// with a fast path for text that needs none: its per-`Character` dictionary lookup was most of
/// a digest's rendering time. Templates opt in with `{{% CONTENT_TYPE: HTML}}`.
struct HTMLEscaping: MustacheContentType {
    func escapeText(_ text: String) -> String {
        var bytesOfText = text
        return bytesOfText.withUTF8 { bytes in
            guard bytes.contains(where: Self.needsEscaping) else { return text }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 32)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "<"): output += Array("&lt;".utf8)
                case UInt8(ascii: ">"): output += Array("&gt;".utf8)
                case UInt8(ascii: "&"): output += Array("&amp;".utf8)
                case UInt8(ascii: "\""): output += Array("&quot;".utf8)
                case UInt8(ascii: "'"): output += Array("&#39;".utf8)
                default: output.append(byte)
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    private static func needsEscaping(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
