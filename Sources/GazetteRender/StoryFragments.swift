import Foundation
import GazetteCore
import Mustache

/// Each story of a digest rendered once and reused: the same story goes to every reader of its
/// country, so a send renders each story's HTML a few times, not once per reader. Two renderings
/// are stored per story: its partial's (`story.html`), and its whole `{{#articles}}` block's
/// (the partial with what the digest template puts around it, a numbered title in the text
/// part). The digest template is then rendered with each section's stories standing for their
/// stored blocks, one after the other.
///
/// Only where that renders exactly what the templates would have rendered in place (checked on
/// their text by `StoryTemplates` and `CompiledDigest`): the block and the partial look up only
/// the story's own values, and the block includes the partial alone on unindented lines.
/// Otherwise the digest is rendered as it always was. A rendering is reused only for an equal
/// story (every value the template can show); when the template never shows the story's place
/// in the digest (`number`, `titleWrapped`), for an equal story at any place.
final class StoryFragments: Sendable {
    /// What the story partial stands for in a block: the story itself (`StoredRendering`),
    /// which renders as its fragment. The innermost context where the partial is included is
    /// the story (`CompiledDigest` checks it), so no name is split or looked up: a lookup costs
    /// several dynamic casts in swift-mustache.
    static let template = "{{{.}}}"

    /// One cache per template (partial or block): one template's stories (per place, if it
    /// shows the place) never push out another's.
    private let caches: [String: (stories: MemoCache<DigestContent.Item, String>, placeIndependent: Bool)]

    /// `templates`: the names of the partials and blocks that may be cached; `placeIndependent`:
    /// those of them that never show the story's place.
    init(templates: Set<String>, placeIndependent: Set<String>) {
        caches = Dictionary(
            uniqueKeysWithValues: templates.map { ($0, (MemoCache(), placeIndependent.contains($0))) }
        )
    }

    /// Forgets every fragment (for benchmarks that measure rendering from nothing).
    func removeAll() {
        for cache in caches.values { cache.stories.removeAll() }
    }

    /// `template` rendered for `item`, from the cache when an equal story was rendered before.
    func fragment(_ template: String, _ item: DigestContent.Item, render: (DigestContent.Item) -> String) -> String {
        guard let cache = caches[template] else { return render(item) }
        guard cache.placeIndependent else { return cache.stories.value(item) { render(item) } }
        var compared = item
        compared.number = 0
        compared.titleWrapped = ""
        return cache.stories.value(compared) { render(item) }
    }
}

/// What the templates' text says about rendering their stories as fragments.
enum StoryTemplates {
    /// The names a story partial can look up in the story itself, its takes and its summary's
    /// sentences.
    static let storyNames = DigestContent.Item.mustacheNames.union(DigestContent.Take.mustacheNames)
        .union(DigestContent.SummaryPart.mustacheNames)

    /// Whether a story partial (or a block with `partial` included) renders the same alone as
    /// inside a digest: every tag is a name of the story's values (or `.`), none includes
    /// another template (but `partial`) or defines blocks, and the delimiters are never changed.
    static func standsAlone(_ template: String, including partial: String? = nil) -> Bool {
        guard let tags = tags(template) else { return false }
        return tags.allSatisfy { tag in
            if tag.sigil == "!" || tag.sigil == "%" { return true }  // comments and pragmas
            if tag.sigil == ">", let partial, tag.name == partial { return true }
            if let sigil = tag.sigil, "><$".contains(sigil) { return false }
            let first = tag.name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? "."
            return tag.name == "." || storyNames.contains(first)
        }
    }

    /// Whether a story partial (or a block with `partial` included) never shows the story's
    /// place in the digest.
    static func isPlaceIndependent(_ template: String, including partial: String? = nil) -> Bool {
        guard standsAlone(template, including: partial), let tags = tags(template) else { return false }
        return !tags.contains { tag in
            tag.sigil != "!" && tag.sigil != "%" && tag.sigil != ">"
                && (tag.name == "." || tag.name.contains("number") || tag.name.contains("titleWrapped"))
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

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }
}

/// What a stand-in `{{{.}}}` renders: a story's stored rendering, or a marker for a value
/// (`FilledTemplate`).
final class StoredRendering: MustacheParent, MustacheCustomRenderable {
    let text: String
    /// The story, whose values the `{{#articles}}` block around its partial looks up.
    let item: DigestContent.Item?

    init(_ text: String, item: DigestContent.Item? = nil) {
        self.text = text
        self.item = item
    }

    func child(named name: String) -> Any? { item?.child(named: name) }

    var renderText: String { text }
    var isNull: Bool { false }
}
