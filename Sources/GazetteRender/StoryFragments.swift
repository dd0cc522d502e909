import Foundation
import GazetteCore
import Mustache

/// Each story of a digest rendered once and reused: the same story goes to every reader of its
/// country, so a send renders each story's HTML a few times, not once per reader. The digest
/// template is then rendered with its story partial standing for the stored fragment.
///
/// Only where that renders exactly what the partial would have rendered in place (checked on
/// the templates' text by `StoryTemplates`): the partial looks up only the story's own values,
/// and the digest template includes it alone on an unindented line. Otherwise the digest is
/// rendered as it always was. A fragment is reused only for an equal story (every value the
/// partial can show); when the partial never shows the story's place in the digest (`number`,
/// `titleWrapped`), for an equal story at any place.
final class StoryFragments: Sendable {
    /// What the digest templates' story partial stands for while the digest is rendered: the
    /// story itself (`FragmentedStory`), which renders as its fragment. The innermost context
    /// where the partial is included is the story (`StoryTemplates.includesAlone` checks it), so
    /// no name is split or looked up: a lookup costs several dynamic casts in swift-mustache.
    static let template = "{{{.}}}"

    private let placeIndependent: Set<String>
    /// One cache per partial: one partial's stories (per place, if it shows the place) never
    /// push out another's.
    private let caches: [String: MemoCache<DigestContent.Item, String>]

    /// `partials`: the names of the partials that may be cached; `placeIndependent`: those of
    /// them that never show the story's place.
    init(partials: Set<String>, placeIndependent: Set<String>) {
        self.placeIndependent = placeIndependent
        caches = Dictionary(uniqueKeysWithValues: partials.map { ($0, MemoCache()) })
    }

    /// Forgets every fragment (for benchmarks that measure rendering from nothing).
    func removeAll() {
        for cache in caches.values { cache.removeAll() }
    }

    /// The partial rendered for `item`, from the cache when an equal story was rendered before.
    func fragment(_ partial: String, _ item: DigestContent.Item, render: (DigestContent.Item) -> String) -> String {
        guard let cache = caches[partial] else { return render(item) }
        var compared = item
        if placeIndependent.contains(partial) {
            compared.number = 0
            compared.titleWrapped = ""
        }
        return cache.value(compared) { render(item) }
    }

}

/// What the templates' text says about rendering their stories as fragments.
enum StoryTemplates {
    /// The names a story partial can look up in the story itself, its takes and its summary's
    /// sentences.
    static let storyNames = DigestContent.Item.mustacheNames.union(DigestContent.Take.mustacheNames)
        .union(DigestContent.SummaryPart.mustacheNames)

    /// Whether a story partial renders the same alone as inside a digest: every tag is a name of
    /// the story's values (or `.`), none includes another template or defines blocks, and the
    /// delimiters are never changed.
    static func standsAlone(_ partial: String) -> Bool {
        guard let tags = tags(partial) else { return false }
        return tags.allSatisfy { tag in
            if tag.sigil == "!" || tag.sigil == "%" { return true }  // comments and pragmas
            if let sigil = tag.sigil, "><$".contains(sigil) { return false }
            let first = tag.name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? "."
            return tag.name == "." || storyNames.contains(first)
        }
    }

    /// Whether a story partial never shows the story's place in the digest.
    static func isPlaceIndependent(_ partial: String) -> Bool {
        guard standsAlone(partial), let tags = tags(partial) else { return false }
        return !tags.contains { tag in
            tag.sigil != "!" && tag.sigil != "%"
                && (tag.name == "." || tag.name.contains("number") || tag.name.contains("titleWrapped"))
        }
    }

    /// Whether a digest template includes `partial` only alone on unindented lines directly
    /// inside `{{#articles}}`, where its stored rendering can stand for it, and includes no
    /// other template (which could include the partial where the story is not the context).
    static func includesAlone(_ digest: String, partial: String) -> Bool {
        guard let tags = tags(digest) else { return false }
        var open: [(sigil: Character?, name: String)] = []
        var includes = 0
        for tag in tags {
            switch tag.sigil {
            case "#", "^", "$": open.append(tag)
            case "/": _ = open.popLast()
            case "<": return false
            case ">":
                guard tag.name == partial, let innermost = open.last, innermost.sigil == "#",
                    innermost.name == "articles"
                else { return false }
                includes += 1
            default: break
            }
        }
        return includes > 0
            && digest.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { line in
                !line.contains(partial) || line.trimmingSuffix(while: \.isWhitespace) == "{{> \(partial)}}"
            }
    }

    /// A template's tags with the default delimiters: the sigil (`#`, `^`, `/`, `&`, `!`, `>`,
    /// `<`, `$`, `{`, `%` for a pragma) and the name; nil when the template changes its delimiters.
    static func tags(_ template: String) -> [(sigil: Character?, name: String)]? {
        var tags: [(sigil: Character?, name: String)] = []
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let triple = rest.first == "{"
            guard let close = rest.range(of: triple ? "}}}" : "}}") else { break }
            var content = rest[..<close.lowerBound].drop(while: \.isWhitespace)
            rest = rest[close.upperBound...]
            if content.first == "=" { return nil }
            var sigil: Character?
            if let first = content.first, "#^/&!><${%".contains(first) {
                sigil = first
                content = content.dropFirst().drop(while: \.isWhitespace)
            }
            tags.append((sigil, String(content.trimmingSuffix(while: \.isWhitespace))))
        }
        return tags
    }
}

private extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }
}

/// The digest as the templates see it while its stories are stored fragments: everything as
/// in `DigestContent`, except that each story renders as its fragment (`{{{.}}}`).
///
/// Classes, not structs: swift-mustache holds every context as `Any`, and a struct this large
/// would be copied into a box of its own (every string in it retained) each time it is
/// entered; a class is one reference.
final class FragmentedDigest: MustacheParent {
    let content: DigestContent
    let fragments: [[String]]

    init(content: DigestContent, fragments: [[String]]) {
        self.content = content
        self.fragments = fragments
    }

    func child(named name: String) -> Any? {
        guard name == "sections" else { return content.child(named: name) }
        return zip(content.sections, fragments).map { FragmentedSection(section: $0, fragments: $1) }
    }
}

final class FragmentedSection: MustacheParent {
    let section: DigestContent.Section
    let fragments: [String]

    init(section: DigestContent.Section, fragments: [String]) {
        self.section = section
        self.fragments = fragments
    }

    func child(named name: String) -> Any? {
        guard name == "articles" else { return section.child(named: name) }
        return zip(section.articles, fragments).map { FragmentedStory(item: $0, fragment: $1) }
    }
}

final class FragmentedStory: MustacheParent, MustacheCustomRenderable {
    let item: DigestContent.Item
    let fragment: String

    init(item: DigestContent.Item, fragment: String) {
        self.item = item
        self.fragment = fragment
    }

    func child(named name: String) -> Any? { item.child(named: name) }

    /// What `{{{.}}}`, the story partial's stand-in, renders.
    var renderText: String { fragment }
    var isNull: Bool { false }
}
