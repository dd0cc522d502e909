import Foundation
import Mustache
import Synchronization

/// A digest template taken apart so that a digest costs little more than copying text: a
/// send's digests share their stories, and swift-mustache spends several dynamic casts on every
/// name it looks up, which made the digest's own few dozen names cost as much as its stories.
///
/// Three templates, each cut out of the digest template (`TemplateBlock`):
/// - the `{{#articles}}` block, rendered once per story and stored (`StoryFragments`), with
///   the story partial rendered once per story too and standing in for it;
/// - the `{{#sections}}` block and the rest of the digest, each a `FilledTemplate`: made once
///   with markers for their texts, then filled in with each digest's texts and its sections'
///   (and stories') stored renderings.
///
/// Only where that renders exactly what the digest template renders in place: one
/// `{{#sections}}` block with the one `{{#articles}}` block inside, both on lines of their own;
/// the articles block looks up only the story's values and includes only the story partial,
/// alone on unindented lines; the sections block looks up only `heading`; the rest only plain
/// names (no dots, transforms, partials or inheritance); one content-type pragma, on the first
/// line; "\n" line ends. Otherwise (`compile` returns nil) the digest is rendered as it always
/// was.
struct CompiledDigest: Sendable {
    /// The story partial and the registered names of the three cut-out templates.
    let partial: String
    let articlesBlock: String
    /// Whether the articles block never shows the story's place (`number`, `titleWrapped`),
    /// its partial aside.
    let articlesBlockIsPlaceIndependent: Bool
    let sections: FilledTemplate
    let outer: FilledTemplate

    /// Registers the three templates (and the partial's stand-in) in `library`, named after
    /// `digest`; nil when the templates cannot be taken apart.
    static func compile(
        digest: String,
        source: String,
        partial: String,
        partialSource: String,
        in library: inout MustacheLibrary
    ) -> CompiledDigest? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard !source.contains("\r"), !source.unicodeScalars.contains(where: FilledTemplate.isMarkerScalar),
            let pragma = lines.first.map(String.init),
            ["{{% CONTENT_TYPE: HTML}}", "{{% CONTENT_TYPE: TEXT}}"].contains(pragma),
            StoryTemplates.tags(source)?.filter({ $0.sigil == "%" }).count == 1,
            StoryTemplates.standsAlone(partialSource),
            let articles = TemplateBlock(cutting: "articles", from: source),
            let sections = TemplateBlock(cutting: "sections", from: articles.remainder),
            let articlesTags = StoryTemplates.tags(articles.body),
            let sectionsTags = StoryTemplates.tags(sections.body),
            let outerTags = StoryTemplates.tags(sections.remainder)
        else { return nil }
        // The stories render alone (`StoryTemplates.standsAlone`), the partial alone on its
        // lines and outside any section of the block (its stand-in renders the innermost
        // context, which must be the story); `.` in the block would be the stand-in too.
        guard StoryTemplates.standsAlone(articles.body, including: partial),
            !articlesTags.contains(where: { $0.name == "." }),
            Self.includesAtTopLevel(articlesTags, partial: partial),
            articles.body.split(separator: "\n").allSatisfy({ line in
                !line.contains(partial) || line.trimmingSuffix(while: { $0 == " " || $0 == "\t" }) == "{{> \(partial)}}"
            }),
            // The sections block holds the articles block's stand-in and looks up its heading.
            sections.body.contains(TemplateBlock.standIn("articles")),
            sectionsTags.allSatisfy({ tag in
                FilledTemplate.isPlain(tag) && ["heading", "articles"].contains(tag.name)
                    || tag.sigil == "{" && tag.name == "." || tag.sigil == "!"
            }),
            sectionsTags.filter({ $0.name == "." }).count == 1,
            // The rest: plain names, the content type and the sections block's stand-in.
            outerTags.allSatisfy({ tag in
                FilledTemplate.isPlain(tag) || tag.sigil == "{" && tag.name == "." || "!%".contains(tag.sigil ?? " ")
            }),
            outerTags.filter({ $0.name == "." }).count == 1
        else { return nil }
        let html = pragma.contains("HTML")
        let articlesBlock = digest + "#articles"
        let sectionsBlock = digest + "#sections"
        let outerName = digest + "#outer"
        do {
            var compiled = library
            try compiled.register(StoryFragments.template, named: partial)
            // Cut out, a block starts in the content type the digest declares, as it did inside.
            try compiled.register(pragma + "\n" + articles.body, named: articlesBlock)
            try compiled.register(pragma + "\n" + sections.body, named: sectionsBlock)
            try compiled.register(sections.remainder, named: outerName)
            library = compiled
        } catch {
            return nil  // Cut out of a valid template, they parse; should they not, in place.
        }
        return CompiledDigest(
            partial: partial,
            articlesBlock: articlesBlock,
            articlesBlockIsPlaceIndependent: StoryTemplates.isPlaceIndependent(articles.body, including: partial),
            sections: FilledTemplate(name: sectionsBlock, tags: sectionsTags, escapesHTML: html),
            outer: FilledTemplate(name: outerName, tags: outerTags, escapesHTML: html)
        )
    }

    /// Whether every include of `partial` is outside the sections the tags open.
    static func includesAtTopLevel(_ tags: [(sigil: Character?, name: String)], partial: String) -> Bool {
        var depth = 0
        for tag in tags {
            switch tag.sigil {
            case "#", "^", "$": depth += 1
            case "/": depth -= 1
            case ">" where tag.name == partial && depth != 0: return false
            default: break
            }
        }
        return true
    }

    /// The digest; nil when a stored rendering does not end a line as the stand-ins assume (a
    /// partial without a last line end), or a value is not text or yes-or-no: then in place.
    func render(
        _ content: DigestContent,
        stories: StoryFragments,
        library: MustacheLibrary,
        renderPartial: (DigestContent.Item) -> String
    ) -> String? {
        var sectionTexts: [String] = []
        sectionTexts.reserveCapacity(content.sections.count)
        for section in content.sections {
            let blocks = section.articles.map { item in
                stories.fragment(articlesBlock, item) { item in
                    let story = stories.fragment(partial, item, render: renderPartial)
                    return library.render(StoredRendering(story, item: item), withTemplate: articlesBlock) ?? ""
                }
            }
            guard let articles = TemplateBlock.standInValue(joining: blocks),
                let text = sections.render(
                    library: library,
                    values: { name in
                        name == "articles" ? articles : .init(section.child(named: name))
                    }
                )
            else { return nil }
            sectionTexts.append(text)
        }
        guard let sectionsText = TemplateBlock.standInValue(joining: sectionTexts) else { return nil }
        return outer.render(library: library) { name in
            name == "sections" ? sectionsText : .init(content.child(named: name))
        }
    }
}

/// A block `{{#name}}…{{/name}}` whose tags stand alone on lines of their own, cut out of a
/// template, and the template with a stand-in for it: `{{#name}}{{{.}}}`, then `{{/name}}` on
/// the next line. Mustache removes a standalone tag's whole line, so the block is a run of
/// whole lines and renders the same cut out; and the stand-in, given its renderings joined
/// less their last line end (`standInValue`), renders what the block rendered.
struct TemplateBlock {
    /// The block's lines, each with its line end.
    let body: String
    /// The template with the stand-in for the block.
    let remainder: String

    /// nil unless the template has one such block and names `name` nowhere else.
    init?(cutting name: String, from source: String) {
        guard let tags = StoryTemplates.tags(source) else { return nil }
        let uses = tags.filter { $0.name.split(separator: ".").first.map(String.init) == name }
        guard uses.map(\.sigil) == ["#", "/"], uses.allSatisfy({ $0.name == name }) else { return nil }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        // Standalone as Mustache has it: only spaces and tabs around the tag.
        let isAlone = { (line: Substring, tag: String) in line.trimmingCharacters(in: Self.spacesAndTabs) == tag }
        guard let open = lines.firstIndex(where: { isAlone($0, "{{#\(name)}}") }),
            let close = lines.firstIndex(where: { isAlone($0, "{{/\(name)}}") }), open + 1 < close
        else { return nil }
        body = lines[(open + 1)..<close].joined(separator: "\n") + "\n"
        let standIn = Self.standIn(name).split(separator: "\n", omittingEmptySubsequences: false)
        remainder = (lines[..<open] + standIn + lines[(close + 1)...]).joined(separator: "\n")
    }

    private static let spacesAndTabs = CharacterSet(charactersIn: " \t")

    static func standIn(_ name: String) -> String { "{{#\(name)}}" + StoryFragments.template + "\n{{/\(name)}}" }

    /// What the stand-in is given for a block's renderings: none (an empty list: the stand-in
    /// renders nothing) for no text, the texts joined less their last line end otherwise; nil
    /// when they do not end a line. Joined into one string of the right size at once: these
    /// are most of a digest's bytes.
    static func standInValue(joining renderings: [String]) -> FilledTemplate.Value? {
        guard let last = renderings.lastIndex(where: { !$0.isEmpty }) else { return .rendering(nil) }
        // By its bytes: a `Character` could join the "\n" to a "\r" before it.
        guard renderings[last].utf8.last == UInt8(ascii: "\n") else { return nil }
        var joined = ""
        joined.reserveCapacity(renderings.reduce(0) { $0 + $1.utf8.count })
        for rendering in renderings[..<last] { joined += rendering }
        joined += Substring(renderings[last].utf8.dropLast())
        return .rendering(joined)
    }
}

/// A template that looks up only texts, yes-or-no values and cut-out blocks' renderings
/// (`TemplateBlock`): rendered once for each combination of which values are present and true,
/// with a marker standing for each text, then filled in with each digest's texts. Each marker
/// says whether it went through the content type's escaping (an `&` in it came out as `&amp;`),
/// so the text filled in is escaped where the template escapes it.
final class FilledTemplate: Sendable {
    enum Value {
        case absent
        case flag(Bool)
        case text(String)
        /// A block's renderings for the stand-in; nil: nothing to render (an empty list).
        case rendering(String?)
        /// Anything else: the template is rendered in place.
        case other

        init(_ value: Any?) {
            switch value {
            case nil: self = .absent
            case let flag as Bool: self = .flag(flag)
            case let text as String: self = .text(text)
            default: self = .other
            }
        }

        /// What decides the skeleton's shape: everything but the texts themselves.
        var shape: UInt8 {
            switch self {
            case .absent: 0
            case .flag(let flag): flag ? 2 : 1
            case .text: 3
            case .rendering(let text): text == nil ? 4 : 5
            case .other: 6
            }
        }

        /// What the skeleton is rendered with: a marker for a text.
        func standIn(_ marker: String) -> Any? {
            switch self {
            case .absent, .other: nil
            case .flag(let flag): flag
            case .text: StoredRendering(marker)
            case .rendering(let text): text == nil ? [] : [StoredRendering(marker)]
            }
        }

        var filling: String {
            switch self {
            case .text(let text): text
            case .rendering(let text): text ?? ""
            default: ""
            }
        }
    }

    private enum Segment: Sendable {
        case text(String)
        case value(Int, escaped: Bool)
    }

    let name: String
    /// The names the template looks up, in the order of the markers' numbers.
    private let names: [String]
    private let escapesHTML: Bool
    /// The skeletons by the values' shapes; nil: one that cannot be filled in (in place then).
    private let skeletons = Mutex<[[UInt8]: [Segment]?]>([:])

    init(name: String, tags: [(sigil: Character?, name: String)], escapesHTML: Bool) {
        self.name = name
        var names: [String] = []
        for tag in tags where Self.isPlain(tag) && !names.contains(tag.name) { names.append(tag.name) }
        self.names = names
        self.escapesHTML = escapesHTML
    }

    /// A tag a filled template can look up: a plain name as a value or a section, no dots (a
    /// marker has no children) or transforms.
    static func isPlain(_ tag: (sigil: Character?, name: String)) -> Bool {
        let sigilOK = tag.sigil.map { "&{#^/".contains($0) } ?? true
        return sigilOK && !tag.name.isEmpty && !tag.name.contains(".") && !tag.name.contains("(")
    }

    /// Private-use characters: the markers' delimiters, found in no template these fill.
    static func isMarkerScalar(_ scalar: Unicode.Scalar) -> Bool { scalar == "\u{E000}" || scalar == "\u{E001}" }

    /// nil when a value is neither text nor yes-or-no, or the skeleton cannot be filled in.
    func render(library: MustacheLibrary, values lookUp: (String) -> Value) -> String? {
        let values = names.map(lookUp)
        let shape = values.map(\.shape)
        guard !shape.contains(Value.other.shape), let segments = skeleton(shape, values, library) else { return nil }
        var output = ""
        // One allocation for the digest, with room for the few values that escaping lengthens
        // (a reallocation would copy it all and double it).
        output.reserveCapacity(
            segments.reduce(256) { size, segment in
                switch segment {
                case .text(let text): size + text.utf8.count
                case .value(let index, _): size + values[index].filling.utf8.count
                }
            }
        )
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .value(let index, let escaped):
                let text = values[index].filling
                output += escaped && escapesHTML ? HTMLEscaping().escapeText(text) : text
            }
        }
        return output
    }

    private func skeleton(_ shape: [UInt8], _ values: [Value], _ library: MustacheLibrary) -> [Segment]? {
        if let known = skeletons.withLock({ $0[shape] }) { return known }
        var standIns: [String: Any] = [:]
        for (index, (name, value)) in zip(names, values).enumerated() {
            standIns[name] = value.standIn("\u{E000}\(index)&\u{E001}")
        }
        let rendered = library.render(StandIns(standIns), withTemplate: name) ?? ""
        let segments = Self.segments(rendered, count: names.count)
        skeletons.withLock { skeletons in
            // Shapes are a handful (which of a few values are present); bounded all the same.
            if skeletons.count >= 1_024 { skeletons.removeAll() }
            skeletons[shape] = segments
        }
        return segments
    }

    /// The skeleton cut at its markers: `U+E000 number & U+E001`, with `&amp;` where escaped.
    private static func segments(_ skeleton: String, count: Int) -> [Segment]? {
        let parts = skeleton.split(separator: "\u{E000}", omittingEmptySubsequences: false)
        var segments: [Segment] = [.text(String(parts[0]))]
        for part in parts.dropFirst() {
            guard let end = part.firstIndex(of: "\u{E001}") else { return nil }
            let head = part[..<end]
            let (digits, escaped) =
                head.hasSuffix("&amp;")
                ? (head.dropLast(5), true) : head.hasSuffix("&") ? (head.dropLast(), false) : ("", false)
            guard let index = Int(digits), (0..<count).contains(index) else { return nil }
            segments += [.value(index, escaped: escaped), .text(String(part[part.index(after: end)...]))]
        }
        return segments
    }
}

/// The values a skeleton is rendered with, by name.
private final class StandIns: MustacheParent {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }
    func child(named name: String) -> Any? { values[name] ?? nil }
}
