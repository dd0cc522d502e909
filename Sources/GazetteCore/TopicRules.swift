import Foundation

/// How articles get their topics: from the source's defaults, from the feed's own categories
/// (matched against each topic's category names), and from keywords in the title and lead.
/// An article may get several topics.
public struct TopicRules: Sendable, Hashable {
    public struct Rule: Sendable, Hashable {
        /// Words or phrases, lower-case; a trailing `*` matches any ending (`elect*`).
        public var keywords: [String]
        /// Feed category names that mean this topic, lower-case (`"us politics"`, `"politik"`).
        public var categories: [String]

        public init(keywords: [String] = [], categories: [String] = []) {
            self.keywords = keywords
            self.categories = categories
        }
    }

    public let rules: [Topic: Rule]
    /// The keywords indexed by their first word, so that an article is matched in one pass
    /// over its words instead of once per keyword (400 keywords × 10,000 articles).
    private let index: KeywordIndex
    /// Each category name's topics (their indices in `index.topics`), so that a feed's
    /// categories cost one lookup each.
    private let topicsByCategory: [String: [Int]]

    public init(rules: [Topic: Rule]) {
        self.rules = rules
        index = KeywordIndex(rules)
        var topicsByCategory = [String: [Int]](minimumCapacity: rules.values.reduce(0) { $0 + $1.categories.count })
        for (topicIndex, topic) in index.topics.enumerated() {
            for category in Set(rules[topic]!.categories) { topicsByCategory[category, default: []].append(topicIndex) }
        }
        self.topicsByCategory = topicsByCategory
    }

    public static func == (lhs: TopicRules, rhs: TopicRules) -> Bool { lhs.rules == rhs.rules }

    public func hash(into hasher: inout Hasher) { hasher.combine(rules) }

    /// The built-in taxonomy, documented in the README; `topics` in the config adds to it.
    public static let standard = TopicRules(rules: [
        Topic("politics")!: Rule(
            keywords: [
                "election*", "elect", "elected", "vote*", "voter*", "parliament*", "congress*", "senate", "senator*",
                "lawmaker*", "minister*", "prime minister", "president", "presidential", "government*", "govt",
                "cabinet", "opposition", "democrat*", "republican*", "gop", "campaign*", "poll*",
                "legislat*", "bundestag", "coalition", "referendum", "governor", "mayor", "trump", "modi",
                "state of the union", "impeach*", "independence", "politic*", "white house", "fbi",
            ],
            categories: [
                "politics", "us politics", "uk politics", "australian politics", "politik", "política",
                "politique", "politica", "elections", "government",
            ]
        ),
        Topic("economy")!: Rule(
            keywords: [
                "econom*", "gdp", "inflation", "interest rate*", "central bank", "ecb", "federal reserve", "fed",
                "rbi", "bank of", "market*", "stock*", "shares", "investor*", "investment*", "invest", "fdi", "tax",
                "taxes", "taxation", "gst", "budget", "trade", "tariff*", "export*", "import*", "currency",
                "currencies", "rupee", "euro", "dollar", "yen", "price*", "wage*", "jobs", "unemployment", "recession",
                "fiscal", "debt", "bond*", "banknote*", "bank", "banks", "crore", "revenue*",
                "profit*", "earnings", "business*", "compan*", "firm*", "industry", "industrial", "crypto*",
                "bitcoin", "oil", "fuel", "competitive",
            ],
            categories: [
                "business", "economy", "economics", "markets", "money", "finance", "wirtschaft", "economía",
                "économie", "economia", "tax avoidance", "cryptocurrencies",
            ]
        ),
        Topic("conflict")!: Rule(
            keywords: [
                "war", "wars", "warfare", "military", "army", "troops", "soldier*", "airstrike*", "air strike*",
                "missile*", "bomb*", "shelling", "attack*", "militant*", "insurgen*", "rebel*", "ceasefire",
                "cease-fire", "terror*", "islamic state", "isis", "taliban", "hamas", "hezbollah", "invasion",
                "invade*", "drone strike*", "killed in fighting", "clashes", "siege", "mosul", "gaza", "frontline",
                "nato",
            ],
            categories: [
                "war", "conflict", "defence", "defense", "military", "us military", "islamic state",
                "terrorism", "syria",
            ]
        ),
        Topic("diplomacy")!: Rule(
            keywords: [
                "diplomat*", "embassy", "ambassador*", "envoy*", "summit*", "talks", "treaty", "treaties",
                "foreign minister", "foreign policy", "bilateral", "sanction*", "united nations", "un", "g7", "g20",
                "peace deal", "peace talks", "negotiat*", "xi jinping", "dalai lama", "watchlist", "state visit",
            ],
            categories: ["diplomacy", "foreign policy", "united nations", "international relations"]
        ),
        Topic("technology")!: Rule(
            keywords: [
                "technolog*", "tech", "software", "app", "apps", "iphone*", "ipad*", "mac", "macbook*", "macos",
                "imac", "ios", "android", "apple", "google", "facebook", "amazon", "microsoft", "huawei", "samsung",
                "nintendo", "ai", "artificial intelligence", "robot*", "chip*", "semiconductor*", "internet", "online",
                "cyber*", "hack*", "smartphone*", "smart home", "smart lock", "smart speaker", "alexa", "echo",
                "homepod", "airpod*", "vpn", "laptop*", "processor*", "gadget*", "digital", "streaming", "streamer",
                "beta", "icloud", "face id", "tvos", "games", "social media", "deadbolt",
            ],
            categories: [
                "technology", "tech", "social networking", "internet", "computing", "gadgets", "technik",
                "tecnología", "technologie",
            ]
        ),
        Topic("science")!: Rule(
            keywords: [
                "scien*", "research*", "study", "studies", "scientist*", "physic*", "chemist*", "biolog*",
                "genetic*", "genom*", "gene", "genes", "dna", "cell", "cells", "molecul*", "quantum", "electron*",
                "fermion*", "astronom*", "nasa", "moon", "planet*", "telescope", "fossil*", "dinosaur*",
                "species", "evolution*", "earthquake*", "eruption*", "volcan*", "neuro*", "fungi", "lab-made",
                "laboratory", "microrna*", "pathogen*", "orca*", "wildlife",
            ],
            categories: [
                "science", "physics", "chemistry", "biology", "genetics", "neuroscience", "astronomy",
                "cell biology", "botany", "microbiology", "geophysics", "geochemistry", "materials science",
                "atmospheric science", "engineering", "wissenschaft", "ciencia", "sciences",
            ]
        ),
        Topic("health")!: Rule(
            keywords: [
                "health*", "hospital*", "doctor*", "nurse*", "patient*", "disease*", "virus*", "vaccin*",
                "pandemic", "epidemic", "outbreak", "cancer*", "malaria", "opioid*", "drugs", "medic*",
                "cdc", "mental health", "depression", "obesity", "diabetes", "infection*", "surgery",
                "yoga",
            ],
            categories: [
                "health", "health & wellbeing", "medicine", "opioids", "gesundheit", "salud", "santé",
                "malaria",
            ]
        ),
        Topic("climate")!: Rule(
            keywords: [
                "climate", "global warming", "emission*", "carbon", "co2", "greenhouse", "fossil fuel*",
                "renewable*", "solar", "wind power", "heatwave*", "drought*", "flood*", "wildfire*", "cop2*", "cop3*",
                "net zero", "adaptation fund", "deforestation", "sea level*",
            ],
            categories: ["climate change", "climate", "environment", "klima", "clima", "climat", "energy"]
        ),
        Topic("sport")!: Rule(
            keywords: [
                "sport*", "football", "soccer", "premier league", "champions league", "world cup", "olympic*",
                "nba", "nfl", "mlb", "nhl", "basketball", "tennis", "golf*", "cricket", "rugby", "formula 1", "f1",
                "athlet*", "tournament", "league", "coach", "transfer", "gymnast*", "super bowl",
                "marathon", "cyclist*", "grand prix",
            ],
            categories: [
                "sport", "sports", "us sports", "football", "basketball", "golf", "gymnastics", "deportes",
                "fußball", "esportes",
            ]
        ),
        Topic("culture")!: Rule(
            keywords: [
                "film*", "movie*", "cinema", "oscar*", "hollywood", "actor*", "actress*", "music*",
                "album*", "song*", "singer*", "concert*", "grammy*", "festival*", "artist*",
                "museum*", "exhibition*", "book*", "novel*", "author*", "theatre", "theater", "tv", "television",
                "documentary", "late-night", "celebrit*", "fashion", "architecture", "dj", "radio",
            ],
            categories: [
                "culture", "film", "music", "television", "television & radio", "books", "art and design",
                "stage", "kultur", "cultura", "arts", "entertainment",
            ]
        ),
    ])

    /// The topics for one article: the source's, those whose category names the feed used,
    /// those with a keyword in the title, and those with at least two different keywords in
    /// the lead (one word in a paragraph is too weak a sign: "director", "growth", "space").
    /// The lead is a `Substring`, not any `StringProtocol`: a generic parameter is not
    /// specialized across modules, and every word list then read it through a witness table.
    public func topics(
        title: String,
        lead: Substring,
        categories: [String],
        sourceTopics: [Topic]
    ) -> [Topic] {
        // Per topic (by its index): 2 once a category or the title names it, plus one per
        // distinct keyword in the lead; 2 or more makes it one of the article's.
        var strength = [Int](repeating: 0, count: index.topics.count)
        for category in categories {
            for topic in topicsByCategory[Self.trimmedSpaces(category.lowercased())] ?? [] { strength[topic] = 2 }
        }
        for match in index.matches(in: WordList(title)) { strength[match.topic] = 2 }
        for match in index.matches(in: WordList(lead)) { strength[match.topic] += 1 }
        // `index.topics` is sorted, and so is what is picked from it.
        let found = strength.indices.filter { strength[$0] >= 2 }.map { index.topics[$0] }
        return sourceTopics.isEmpty ? found : Set(found + sourceTopics).sorted()
    }

    /// Without leading and trailing spaces and tabs. Foundation's `trimmingCharacters` bridges
    /// through NSString, which costs more than the lookup: it is asked only when a non-ASCII
    /// byte at either end may be a Unicode space (a no-break space, U+3000).
    private static func trimmedSpaces(_ text: String) -> String {
        let bytes = text.utf8
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        if bytes[first] >= 0x80 || bytes[last] >= 0x80 { return text.trimmingCharacters(in: .whitespaces) }
        return String(bytes[first...last])!
    }
}

/// The lower-cased words of a text, as spans of one byte buffer: a `String` per word costs
/// more than the matching. Hyphens, ampersands and non-ASCII letters count as word
/// characters; Unicode punctuation (U+2000–U+206F: curly quotes, dashes, ellipsis), Latin-1
/// punctuation, no-break spaces, CJK punctuation and fullwidth punctuation do not.
struct WordList {
    private(set) var bytes: [UInt8] = []
    private(set) var spans: [Range<Int>] = []

    init(_ text: some StringProtocol) {
        // Strings and substrings are read in place; other text is copied first.
        if let (bytes, spans) = text.utf8.withContiguousStorageIfAvailable(Self.words) {
            (self.bytes, self.spans) = (bytes, spans)
        } else {
            var copy = String(text)
            (bytes, spans) = copy.withUTF8(Self.words)
        }
    }

    /// The lower-cased words of UTF-8 text, and where each is in them.
    private static func words(_ input: UnsafeBufferPointer<UInt8>) -> ([UInt8], [Range<Int>]) {
        guard let inputBytes = input.baseAddress, !input.isEmpty else { return ([], []) }
        var spans: [Range<Int>] = []
        // Room for the most words the text can hold (one byte and a separator each): growing
        // the list as it fills was one allocation and copy in every word list, or more.
        spans.reserveCapacity(input.count / 2 + 1)
        // Written in place, not appended: an append's checks for every byte cost more than the
        // rest. Lower-casing grows a two-byte letter to three bytes at most (Ⱥ, U+023A), and
        // Unicode's mapping of a whole word half as much again (İ, U+0130): three times the
        // input is room enough.
        let capacity = input.count * 3 + 4
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
            do {
                var count = 0
                var wordStart = 0
                // Set when the word holds a letter the two-byte table cannot lower-case.
                var needsUnicodeLowercasing = false
                var index = 0
                let (table, outputBytes) = (Self.asciiWordBytes, output.baseAddress!)
                while index < input.count {
                    // Letters, digits, `-` and `&` of ASCII, the bulk of most text, in a tight
                    // loop: lower-cased from a table, one branch a byte, through pointers held
                    // in registers. The last byte goes the long way, which ends the last word.
                    // (Pointers of their own, not the indices: the loop kept storing `count`
                    // to memory, a byte at a time, which cost a third of it.)
                    var from = inputBytes + index
                    var to = outputBytes + count
                    let last = inputBytes + (input.count - 1)
                    while from < last {
                        let lowered = table[Int(from.pointee)]
                        guard lowered != 0 else { break }
                        to.pointee = lowered
                        from += 1
                        to += 1
                    }
                    index = from - inputBytes
                    count = to - outputBytes
                    let byte = input[index]
                    var endsWord = false
                    switch byte {
                    case _ where table[Int(byte)] != 0:
                        // An ASCII word byte the loop above left: the input's last, lower-cased.
                        output[count] = table[Int(byte)]
                        count += 1
                    case 0..<0x80:
                        // ASCII and not a word byte: a space or punctuation, which ends the word
                        // here rather than after the tests for every multi-byte case below.
                        endsWord = true
                    case 0xE2 where index + 1 < input.count && (0x80...0x81).contains(input[index + 1]):
                        endsWord = true
                        index += 2
                    case 0xC2 where index + 1 < input.count && (0xA0...0xBF).contains(input[index + 1]):
                        // No-break space and Latin-1 punctuation: ¡ « » ¿ and friends.
                        endsWord = true
                        index += 1
                    case 0xC2...0xDF where index + 1 < input.count && (0x80...0xBF).contains(input[index + 1]):
                        // Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic: lower-cased from a table.
                        let scalar = (UInt32(byte & 0x1F) << 6) | UInt32(input[index + 1] & 0x3F)
                        let lower = Self.twoByteLowercase[Int(scalar) - 0x80]
                        if lower == 0 {
                            needsUnicodeLowercasing = true
                            output[count] = byte
                            output[count + 1] = input[index + 1]
                            count += 2
                        } else if lower < 0x800 {
                            // Encoded here: the standard library's encoder cost more than the lookup.
                            output[count] = 0xC0 | UInt8(lower >> 6)
                            output[count + 1] = 0x80 | UInt8(lower & 0x3F)
                            count += 2
                        } else {
                            // Ⱥ and Ⱦ (U+023A, U+023E): their lower case takes three bytes.
                            for unit in UTF8.encode(Unicode.Scalar(lower)!)! {
                                output[count] = unit
                                count += 1
                            }
                        }
                        index += 1
                    case 0xE3
                    where index + 2 < input.count && input[index + 1] == 0x80
                        && Self.endsWordInCJKPunctuation[Int(input[index + 2] & 0x3F)]:
                        // CJK punctuation (U+3000–U+303F: 、。「」 and the ideographic space).
                        // Chinese and Japanese put no space between words: without these, a
                        // whole clause was one word, lower-cased the slow way below.
                        endsWord = true
                        index += 2
                    case 0xEF where index + 2 < input.count && (0xBC...0xBF).contains(input[index + 1]):
                        // Halfwidth and fullwidth forms (U+FF00–U+FFEF): their punctuation ends a
                        // word, their Latin capitals have a one-scalar lower case, the rest stays.
                        let (second, third) = (UInt32(input[index + 1] & 0x3F), UInt32(input[index + 2] & 0x3F))
                        let scalar = 0xF000 | second << 6 | third
                        switch scalar {
                        case 0xFF21...0xFF3A:
                            for unit in UTF8.encode(Unicode.Scalar(scalar + 0x20)!)! {
                                output[count] = unit
                                count += 1
                            }
                        case _ where scalar <= 0xFFEF && Self.endsWordInFullwidthForms[Int(scalar - 0xFF00)]:
                            endsWord = true
                        default:
                            for offset in 0..<3 {
                                output[count] = input[index + offset]
                                count += 1
                            }
                        }
                        index += 2
                    // (A `where` guards only the pattern it follows: each has its own.)
                    case 0xE0 where index + 2 < input.count, 0xE3...0xE9 where index + 2 < input.count,
                        0xEB...0xEE where index + 2 < input.count:
                        // Three-byte scripts without case (Devanagari to Tibetan, kana, CJK
                        // ideographs, most of Hangul) but the CJK punctuation above: the
                        // character stays as it is, its three bytes copied at once.
                        output[count] = byte
                        output[count + 1] = input[index + 1]
                        output[count + 2] = input[index + 2]
                        count += 3
                        index += 2
                    case 0xE1, 0xE2, 0xEA, 0xEF, 0xF0:
                        // Three- and four-byte ranges with cased letters (Georgian, Latin and Greek
                        // extended, Deseret…): Unicode's case mapping for the whole word.
                        // CJK, Devanagari, Thai and friends have no case and stay as they are.
                        needsUnicodeLowercasing = true
                        output[count] = byte
                        count += 1
                    default:
                        // Other non-ASCII bytes: part of the word as they are.
                        output[count] = byte
                        count += 1
                    }
                    if endsWord || index + 1 >= input.count, count > wordStart {
                        if needsUnicodeLowercasing {
                            let word = UnsafeBufferPointer(rebasing: output[wordStart..<count])
                            let lowered = String(decoding: word, as: UTF8.self).lowercased()
                            precondition(
                                wordStart + lowered.utf8.count <= capacity,
                                "a word's lower case outgrew its room"
                            )
                            count = wordStart
                            for unit in lowered.utf8 {
                                output[count] = unit
                                count += 1
                            }
                            needsUnicodeLowercasing = false
                        }
                        spans.append(wordStart..<count)
                        wordStart = count
                    }
                    index += 1
                }
                written = count
            }
        }
        return (bytes, spans)
    }

    /// Each ASCII word byte (letters, digits, `-`, `&`) lower-cased; 0 for every other byte.
    /// A pointer, allocated once and never freed: an array's bounds check and reloads were half
    /// of the loop that reads it. Never written after it is made, so it is safe to share.
    nonisolated(unsafe) private static let asciiWordBytes: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0...255 {
            table[byte] =
                switch UInt8(byte) {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt8(byte) + 32
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                    UInt8(ascii: "&"):
                    UInt8(byte)
                default: 0
                }
        }
        return UnsafePointer(table)
    }()

    /// Which scalars of U+3000–U+303F end a word: Unicode's punctuation, symbols and spaces.
    static let endsWordInCJKPunctuation = separators(0x3000...0x303F)

    /// Which scalars of U+FF00–U+FFEF end a word (fullwidth `-` and `&` too, unlike ASCII's).
    static let endsWordInFullwidthForms = separators(0xFF00...0xFFEF)

    private static func separators(_ scalars: ClosedRange<UInt32>) -> [Bool] {
        scalars.map { value in
            switch Unicode.Scalar(value)!.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol,
                .modifierSymbol, .otherSymbol, .spaceSeparator, .lineSeparator, .paragraphSeparator:
                true
            default: false
            }
        }
    }

    /// Unicode's lower-case mapping of U+0080…U+07FF (indexed from U+0080), 0 where it is more
    /// than one scalar (U+0130 İ).
    private static let twoByteLowercase: [UInt32] = (0x80...0x7FF).map { value in
        let mapping = Unicode.Scalar(UInt32(value))!.properties.lowercaseMapping.unicodeScalars
        return mapping.count == 1 ? mapping.first!.value : 0
    }
}
