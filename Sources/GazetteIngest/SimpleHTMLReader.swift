import CLibXML2
import GazetteCore

/// Reads the plain HTML most feed content is made of (well-nested elements, quoted or bare
/// attributes, references) and makes the calls on an `HTMLWalk` that libxml2's HTML parser
/// makes for it, several times faster: libxml2 reads HTML a character at a time through its
/// encoding layer, and was a third of `gazette parse`'s time. Whatever the reader does not
/// reproduce exactly (a comment, an end tag that is not the open element's, script, tables,
/// a control character, a numeric reference libxml2 drops) makes `read` return false at
/// once, and the caller starts over with libxml2 on a fresh walk: the reader never guesses.
/// `SimpleHTMLTests` holds it to libxml2's output on the feedparser corpus, the real feeds
/// and random markup, and its element table to the installed libxml2.
enum SimpleHTMLReader {
    /// The elements libxml2 knows that the reader takes, each with the elements whose start
    /// closes it implicitly (libxml2's `htmlStartClose`, restricted to these elements). Other
    /// elements libxml2 knows make the reader give up; elements it does not know (HTML5's,
    /// SVG's) close nothing and are closed by nothing.
    static let knownElements: [String: Set<String>] = {
        let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]
        var table: [String: Set<String>] = [
            "a": ["a"], "b": ["p"], "big": ["p"], "i": ["p"], "s": ["p"], "small": ["p"], "strike": ["p"],
            "tt": ["p"], "u": ["p"], "dd": ["dt"], "dl": ["li"], "dt": ["dd", "dl"], "li": ["li"],
            "p": headings.union(["blockquote", "caption", "dd", "div", "dl", "dt", "hr", "li", "ol", "p", "pre", "ul"]),
            "pre": ["dd", "dl", "dt", "li", "ul"], "ol": ["ul"], "ul": ["ol", "pre"],
        ]
        for heading in headings { table[heading] = ["li", "p"] }
        for name in [
            // <caption> outside a table is how some outlets caption a photo; <iframe> is dropped.
            "abbr", "acronym", "blockquote", "br", "caption", "cite", "code", "del", "dfn", "div", "em", "font", "hr",
            "iframe", "img", "ins", "kbd", "q", "samp", "span", "strong", "sub", "sup", "var",
        ] {
            table[name] = []
        }
        return table
    }()

    /// The elements among them that libxml2 closes as soon as they open.
    static let voidElements: Set<String> = ["br", "hr", "img"]

    /// What the reader and the walk need of an element, found with one lookup per tag.
    struct ElementRules {
        /// The element's bit among the reader's elements (0 for the others).
        var bit: UInt64 = 0
        /// The bits of the elements whose start closes this one.
        var closedBy: UInt64 = 0
        var isVoid = false
        /// The walk's entry for it.
        var walk = HTMLContent.Element()
    }

    /// `knownElements` and the walk's elements, by name; the reader's elements have bits.
    static let rules: [String: ElementRules] = {
        let names = knownElements.keys.sorted()
        precondition(names.count <= 64, "the reader's elements are bits of a UInt64")
        let bits = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, UInt64(1) << UInt64($0)) })
        var table: [String: ElementRules] = [:]
        for (name, closers) in knownElements {
            table[name] = ElementRules(
                bit: bits[name]!,
                closedBy: closers.reduce(0) { $0 | bits[$1]! },
                isVoid: voidElements.contains(name)
            )
        }
        for (name, element) in HTMLContent.elements { table[name, default: ElementRules()].walk = element }
        return table
    }()

    /// The names in `rules` of eight bytes or fewer, with their rules, by `packed(_:)`: a tag
    /// costs one multiplication and a probe or two, where making the name's string and hashing
    /// it for `rules` was 2% of `gazette parse`.
    static let shortNames = IntegerKeyTable(
        rules.filter { $0.key.utf8.count <= 8 }.map { name, rules in
            (
                key: Array(name.utf8).withUnsafeBufferPointer { packed($0)! },
                value: NamedElement(
                    name: name,
                    key: Array(name.utf8).withUnsafeBufferPointer { packed($0)! },
                    rules: rules
                )
            )
        }
    )

    /// A name of one to eight bytes, ASCII letters lower-cased, in one integer; nil for longer
    /// ones. Name bytes are never 0, so no two names pack alike.
    static func packed(_ name: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard name.count <= 8 else { return nil }
        var value: UInt64 = 0
        for offset in 0..<name.count {
            let byte = name[offset]
            value |= UInt64((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) << (8 * offset)
        }
        return value
    }

    /// An element's lower-case name and its rules. (A struct, not a tuple: copying and
    /// destroying a tuple this large went through the runtime's generic tuple functions.)
    struct NamedElement {
        var name: String
        /// The name packed (`packed(_:)`); 0 for a name longer than eight bytes.
        var key: UInt64
        var rules: ElementRules
    }

    /// The lower-case name and its rules (empty ones for elements the reader has none for).
    static func element(named name: UnsafeBufferPointer<UInt8>) -> NamedElement {
        if let packed = packed(name) {
            if let known = shortNames[packed] { return known }
            // Every name of `rules` that packs is in `shortNames`: this one has no rules, and
            // looking its string up (SVG's <path>, <mark>) cost more than the rest of the tag.
            return NamedElement(name: HTMLContent.lowerCased(name), key: packed, rules: ElementRules())
        }
        let lowerCased = HTMLContent.lowerCased(name)
        return NamedElement(name: lowerCased, key: 0, rules: rules[lowerCased] ?? ElementRules())
    }

    /// Past this depth libxml2 reads the fragment (and the walk stops it).
    static let maxDepth = 200

    /// Makes `walk` the calls libxml2 would make for `<div>` + `html` + `</div>`; false, with
    /// the walk left half-fed, when the fragment holds anything the reader does not take.
    static func read(_ html: String, into walk: HTMLWalk, htmlLimit: Int) -> Bool {
        var html = html
        return html.withUTF8 { bytes in
            var reader = Reader(bytes: bytes, walk: walk, htmlLimit: htmlLimit)
            return reader.read()
        }
    }
}

private let lessThan = UInt8(ascii: "<")
private let greaterThan = UInt8(ascii: ">")
private let ampersand = UInt8(ascii: "&")
private let slash = UInt8(ascii: "/")
private let semicolon = UInt8(ascii: ";")

/// One fragment's reading. Every method that returns an optional or a Bool returns nil or
/// false for "give up".
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let walk: HTMLWalk
    /// With a limit, the reader gives up before the walk's HTML could reach it: libxml2 hands
    /// text over in kilobyte pieces, and where the cut falls depends on them.
    let htmlLimit: Int
    var index = 0
    /// The open elements, the wrapping <div> first, each with its packed name (0 when longer
    /// than eight bytes) and the bits of the elements that close it.
    var open: [(name: String, key: UInt64, closedBy: UInt64)] = []
    /// The attributes' names and values, NUL-terminated for the walk, and where each starts.
    var attributeBytes: [UInt8] = []
    var attributeStarts: [(name: Int, value: Int?)] = []
    /// The list the walk gets (libxml2's: name, value, name, value…, nil), kept for its storage.
    var attributeList: [UnsafePointer<xmlChar>?] = []

    init(bytes: UnsafeBufferPointer<UInt8>, walk: HTMLWalk, htmlLimit: Int) {
        self.bytes = bytes
        self.walk = walk
        self.htmlLimit = htmlLimit
        // Room for most fragments' nesting and tags at once: grown from nothing, these lists
        // cost two or three allocations and copies each in every fragment.
        open.reserveCapacity(16)
        attributeBytes.reserveCapacity(256)
        attributeStarts.reserveCapacity(8)
        attributeList.reserveCapacity(17)
    }

    mutating func read() -> Bool {
        guard start("div", key: Self.divKey, SimpleHTMLReader.rules["div"]!, attributes: nil) else { return false }
        var textStart = 0
        while index < bytes.count {
            // The run of text up to the next byte that needs a look.
            index = ByteText.firstIndex(in: bytes, from: index, below: 0x20, orOneOf: (lessThan, ampersand, 0xEF, 0xEF))
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case 0x09, 0x0A:
                index += 1
            case 0xEF:
                // U+FFFE and U+FFFF are not XML characters: libxml2 drops them.
                guard index + 2 >= bytes.count || bytes[index + 1] != 0xBF || bytes[index + 2] < 0xBE else {
                    return false
                }
                index += 1
            case ampersand:
                guard let (decoded, length) = reference() else { return false }
                guard let decoded else {
                    // Read as it is written: stays part of the text.
                    index += length
                    continue
                }
                guard characters(textStart..<index) else { return false }
                let fits = decoded.withUnsafeBufferPointer { characters($0) }
                guard fits else { return false }
                index += length
                textStart = index
            case lessThan:
                guard characters(textStart..<index), tag() else { return false }
                textStart = index
            default:
                // Other control characters, and carriage returns (which libxml2 would keep or
                // drop by rules the reader does not repeat).
                return false
            }
        }
        guard characters(textStart..<bytes.count) else { return false }
        // The closing </div> and the end of the input close whatever is still open, innermost first.
        while !open.isEmpty { end() }
        return true
    }

    // MARK: Text

    private func characters(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return true }
        return characters(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    private func characters(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        // Escaping makes a byte six at most.
        if htmlLimit > 0, walk.output.count + text.count * 6 >= htmlLimit { return false }
        walk.characters(text)
        return true
    }

    /// The `&` at `index`: its decoded bytes (nil: read as written) and its length; nil to give up.
    /// libxml2 decodes a name that its entity table holds and that ends in `;`, and a numeric
    /// reference; anything else stays as written.
    private func reference() -> (decoded: [UInt8]?, length: Int)? {
        let start = index + 1
        guard start < bytes.count else { return (nil, 1) }
        if bytes[start] == UInt8(ascii: "#") {
            guard let (scalar, end) = numericReference(at: start + 1) else { return nil }
            return (Array(String(Character(scalar)).utf8), end - index)
        }
        // libxml2's name: ASCII letter, `_` or `:`, then letters, digits, `_-:.`; a non-ASCII
        // byte takes it to another reading.
        let first = bytes[start]
        guard first < 0x80 else { return nil }
        guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") else { return (nil, 1) }
        var end = start + 1
        while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
        guard end < bytes.count else { return (nil, end - index) }
        guard bytes[end] < 0x80 else { return nil }
        guard bytes[end] == semicolon, let value = entityValue(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        else { return (nil, end - index) }
        return (Array(String(Character(value)).utf8), end + 1 - index)
    }

    /// The digits of `&#…;` from `start` (just past the `#`): the character and the index
    /// past the `;`, when libxml2 would decode it to a character it keeps.
    private func numericReference(at start: Int) -> (Unicode.Scalar, end: Int)? {
        var cursor = start
        let hex = cursor < bytes.count && (bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X"))
        if hex { cursor += 1 }
        let digitsStart = cursor
        var value: UInt32 = 0
        while cursor < bytes.count, cursor - digitsStart < 7 {
            let byte = bytes[cursor]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: digit = 99
            }
            guard digit < 99 else { break }
            value = value * (hex ? 16 : 10) + digit
            cursor += 1
        }
        // Digits, then `;`, then a character past the C0 and C1 controls that XML allows.
        guard cursor > digitsStart, cursor < bytes.count, bytes[cursor] == semicolon else { return nil }
        switch value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF:
            return Unicode.Scalar(value).map { ($0, cursor + 1) }
        default:
            return nil
        }
    }

    /// The character libxml2's HTML 4 entity table has for `name`.
    private func entityValue(_ name: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        // The everyday ones without the table's linear search.
        switch name.count {
        case 2 where name[1] == UInt8(ascii: "t"):
            if name[0] == UInt8(ascii: "l") { return "<" }
            if name[0] == UInt8(ascii: "g") { return ">" }
        case 3 where name.elementsEqual("amp".utf8): return "&"
        case 4 where name.elementsEqual("nbsp".utf8): return "\u{A0}"
        case 4 where name.elementsEqual("quot".utf8): return "\""
        default: break
        }
        guard name.count < 16 else { return nil }
        var cName = Array(name)
        cName.append(0)
        guard let entity = htmlEntityLookup(cName), entity.pointee.value > 0 else { return nil }
        return Unicode.Scalar(entity.pointee.value)
    }

    // MARK: Tags

    /// The tag at `index` (a `<`), fed to the walk.
    private mutating func tag() -> Bool {
        guard index + 1 < bytes.count else { return false }
        if bytes[index + 1] == slash { return endTag() }
        guard isLetter(bytes[index + 1]) else { return false }
        index += 1
        // libxml2 reads a start tag's name twice: for what it closes without `.` (`<p.x>` closes
        // a <p> as <p> would), then with it.
        guard let nameBytes = nameBytes(), !nameBytes.contains(UInt8(ascii: ".")) else { return false }
        let element = SimpleHTMLReader.element(named: nameBytes)
        let (name, rules) = (element.name, element.rules)
        if rules.bit == 0 {
            // An element libxml2 knows, but not among the reader's, may have rules of its own.
            let known = name.withCString { htmlTagLookup(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
            guard known == nil else { return false }
        }
        guard attributes(), index < bytes.count else { return false }
        let selfClosing = bytes[index] == slash
        index += selfClosing ? 2 : 1
        // libxml2 closes what the new element implies closed before it opens it.
        while let current = open.last, current.closedBy & rules.bit != 0 { end() }
        guard open.count > 0, open.count < SimpleHTMLReader.maxDepth else { return false }
        guard startWithAttributes(name, key: element.key, rules) else { return false }
        if selfClosing || rules.isVoid { end() }
        return true
    }

    /// `</name>`, as libxml2 takes it: it closes the innermost open element of that name and
    /// every element inside it, unless one of those is a <div> and the name is not (a <div>
    /// outranks the reader's other elements); an end tag that closes nothing is ignored. The
    /// wrapping <div> must stay open: text after it would get a <p> of its own.
    private mutating func endTag() -> Bool {
        index += 2
        guard index < bytes.count, isLetter(bytes[index]), let nameBytes = nameBytes() else { return false }
        skipBlanks()
        guard index < bytes.count, bytes[index] == greaterThan else { return false }
        index += 1
        // By packed names where the name packs: the common end tag makes no string.
        let position: Int?
        let isDiv: Bool
        if let key = SimpleHTMLReader.packed(nameBytes) {
            position = open.lastIndex { $0.key == key }
            isDiv = key == Self.divKey
        } else {
            let name = SimpleHTMLReader.element(named: nameBytes).name
            position = open.lastIndex { $0.key == 0 && $0.name == name }
            isDiv = false
        }
        guard let position else { return true }
        if !isDiv, open[(position + 1)...].contains(where: { $0.key == Self.divKey }) { return true }
        guard position > 0 else { return false }
        while open.count > position { end() }
        return true
    }

    /// A tag or attribute name's bytes at `index`, as libxml2 reads it (it cuts names at 100
    /// bytes: the reader gives up on those).
    private mutating func nameBytes() -> UnsafeBufferPointer<UInt8>? {
        let start = index
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index - start < 100 else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }

    /// The attributes up to `>` or `/>` (left at `index`), into `attributeBytes`; repeated
    /// names after the first are dropped, as libxml2 drops them.
    private mutating func attributes() -> Bool {
        attributeBytes.removeAll(keepingCapacity: true)
        attributeStarts.removeAll(keepingCapacity: true)
        // libxml2 compares each name with every one before it: a tag of 50,000 attributes takes
        // it seconds. The reader does too while there are few, then keeps a set.
        var names: Set<[UInt8]>?
        while true {
            skipBlanks()
            guard index < bytes.count else { return false }
            if bytes[index] == greaterThan { return true }
            if bytes[index] == slash, index + 1 < bytes.count, bytes[index + 1] == greaterThan { return true }
            guard isLetter(bytes[index]), let name = nameBytes() else { return false }
            let nameStart = attributeBytes.count
            for byte in name { attributeBytes.append((0x41...0x5A).contains(byte) ? byte + 32 : byte) }
            let isRepeated: Bool
            if names == nil, attributeStarts.count < 8 {
                isRepeated = attributeStarts.contains { earlier in
                    attributeBytes[nameStart...].elementsEqual(attributeBytes[earlier.name..<earlier.name + name.count])
                        && attributeBytes[earlier.name + name.count] == 0
                }
            } else {
                if names == nil {
                    names = Set(
                        attributeStarts.map { earlier in
                            Array(attributeBytes[earlier.name...].prefix { $0 != 0 })
                        }
                    )
                }
                isRepeated = !names!.insert(Array(attributeBytes[nameStart...])).inserted
            }
            attributeBytes.append(0)
            var valueStart: Int?
            skipBlanks()
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                skipBlanks()
                valueStart = attributeBytes.count
                guard value() else { return false }
                attributeBytes.append(0)
            }
            if isRepeated {
                attributeBytes.removeSubrange(nameStart...)
            } else {
                attributeStarts.append((nameStart, valueStart))
            }
        }
    }

    /// An attribute value at `index`, quoted or bare, references decoded, into `attributeBytes`.
    private mutating func value() -> Bool {
        guard index < bytes.count else { return false }
        let first = bytes[index]
        let quoted = first == UInt8(ascii: "\"") || first == UInt8(ascii: "'")
        let quote: UInt8 = quoted ? first : 0
        if quoted { index += 1 }
        while true {
            // The run of plain bytes up to the next one that needs a look, in one copy.
            // (In a quoted value, blanks and `>` are copied like the rest.)
            let runStart = index
            index =
                quoted
                ? ByteText.firstIndex(in: bytes, from: index, below: 0x20, orOneOf: (quote, ampersand, 0xEF, 0xEF))
                : ByteText.firstIndex(
                    in: bytes,
                    from: index,
                    below: 0x21,
                    orOneOf: (greaterThan, ampersand, 0xEF, 0xEF)
                )
            if index > runStart { attributeBytes += UnsafeBufferPointer(rebasing: bytes[runStart..<index]) }
            guard index < bytes.count else { return false }
            let byte = bytes[index]
            if quoted ? byte == quote : (isBlank(byte) || byte == greaterThan) { break }
            if byte == ampersand {
                guard let (decoded, length) = reference() else { return false }
                if let decoded {
                    attributeBytes += decoded
                } else {
                    attributeBytes += UnsafeBufferPointer(rebasing: bytes[index..<index + length])
                }
                index += length
                continue
            }
            // Control characters and carriage returns, U+FFFE and U+FFFF: left to libxml2.
            if byte < 0x20 && byte != 0x09 && byte != 0x0A { return false }
            if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                return false
            }
            attributeBytes.append(byte)
            index += 1
        }
        if quoted { index += 1 }
        return true
    }

    private mutating func skipBlanks() {
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
    }

    // MARK: The walk

    private mutating func startWithAttributes(
        _ name: String,
        key: UInt64,
        _ rules: SimpleHTMLReader.ElementRules
    ) -> Bool {
        guard !attributeStarts.isEmpty else { return start(name, key: key, rules, attributes: nil) }
        // The kept list's storage, taken out while the walk reads it.
        var list: [UnsafePointer<xmlChar>?] = []
        swap(&list, &attributeList)
        defer { swap(&list, &attributeList) }
        return attributeBytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            // libxml2's list: name, value (nil without one), name, value…, nil.
            list.removeAll(keepingCapacity: true)
            for (name, value) in attributeStarts {
                list.append(base + name)
                list.append(value.map { base + $0 })
            }
            list.append(nil)
            return list.withUnsafeMutableBufferPointer { start(name, key: key, rules, attributes: $0.baseAddress) }
        }
    }

    private mutating func start(
        _ name: String,
        key: UInt64,
        _ rules: SimpleHTMLReader.ElementRules,
        attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) -> Bool {
        guard walk.start(name, element: rules.walk, attributes: attributes) else { return false }
        open.append((name, key, rules.closedBy))
        return htmlLimit == 0 || walk.output.count < htmlLimit
    }

    private mutating func end() {
        walk.end()
        open.removeLast()
    }

    /// "div" packed.
    private static let divKey: UInt64 = 0x76_6964
}

private func isLetter(_ byte: UInt8) -> Bool {
    (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
}

private func isNameByte(_ byte: UInt8) -> Bool {
    isLetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
}

private func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}
