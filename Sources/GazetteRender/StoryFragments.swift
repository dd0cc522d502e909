import Mustache
import Synchronization

/// Each story of a digest rendered once and reused: the same story goes to every reader of its
/// country, so a send renders each story's HTML a few times, not once per reader. The digest
/// template is then rendered with its story partial standing for the stored fragment.
///
/// The price: a story partial (`story.html`, `story.txt`) sees only its story, not the digest
/// around it (a name it does not find in the story renders as nothing, where it used to be
/// looked up in the digest). The bundled partials use only the story's own values.
///
/// A fragment is reused only for an equal story (every value the partial can show). When the
/// partial's text never mentions `number` or `titleWrapped` (the story's place in this
/// digest), those two are left out of the comparison, so a story's fragment serves it at
/// any place in any digest.
final class StoryFragments: Sendable {
    /// The name the digest templates' story partial stands for while the digest is rendered.
    static let slot = "gazetteStoryFragment"

    private struct Key: Hashable {
        var partial: String
        var item: DigestContent.Item
    }

    private let placeIndependent: Set<String>
    private let fragments = Mutex<[Key: String]>([:])
    /// Enough for every story of a day's sends (about a thousand at reference scale).
    private let capacity = 8_192

    /// `partialSources`: the partials' template text, by name.
    init(partialSources: [String: String]) {
        placeIndependent = Set(
            partialSources.filter { _, text in
                !["number", "titleWrapped", "{{.", "{{>", "{{<", "{{$"].contains { text.contains($0) }
            }.keys
        )
    }

    /// Forgets every fragment (for benchmarks that measure rendering from nothing).
    func removeAll() {
        fragments.withLock { $0.removeAll() }
    }

    /// The partial rendered for `item`, from the cache when an equal story was rendered before.
    func fragment(_ partial: String, _ item: DigestContent.Item, render: (DigestContent.Item) -> String) -> String {
        var compared = item
        if placeIndependent.contains(partial) {
            compared.number = 0
            compared.titleWrapped = ""
        }
        let key = Key(partial: partial, item: compared)
        if let known = fragments.withLock({ $0[key] }) { return known }
        let rendered = render(item)
        fragments.withLock { fragments in
            if fragments.count >= capacity { fragments.removeAll() }
            fragments[key] = rendered
        }
        return rendered
    }
}

/// The digest as the templates see it while its stories are stored fragments: everything as
/// in `DigestContent`, except that each story also answers the slot name with its fragment.
struct FragmentedDigest: MustacheParent {
    var content: DigestContent
    var fragments: [[String]]

    func child(named name: String) -> Any? {
        guard name == "sections" else { return content.child(named: name) }
        return zip(content.sections, fragments).map { FragmentedSection(section: $0, fragments: $1) }
    }
}

struct FragmentedSection: MustacheParent {
    var section: DigestContent.Section
    var fragments: [String]

    func child(named name: String) -> Any? {
        guard name == "articles" else { return section.child(named: name) }
        return zip(section.articles, fragments).map { FragmentedStory(item: $0, fragment: $1) }
    }
}

struct FragmentedStory: MustacheParent {
    var item: DigestContent.Item
    var fragment: String

    func child(named name: String) -> Any? {
        name == StoryFragments.slot ? fragment : item.child(named: name)
    }
}
