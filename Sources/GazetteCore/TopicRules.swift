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
    /// Each category name's topics, so that a feed's categories cost one lookup each.
    private let topicsByCategory: [String: [Topic]]

    public init(rules: [Topic: Rule]) {
        self.rules = rules
        index = KeywordIndex(rules)
        var topicsByCategory: [String: [Topic]] = [:]
        for (topic, rule) in rules {
            for category in Set(rule.categories) { topicsByCategory[category, default: []].append(topic) }
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
    public func topics(title: String, lead: String, categories: [String], sourceTopics: [Topic]) -> [Topic] {
        var found = Set(sourceTopics)
        for category in categories {
            found.formUnion(topicsByCategory[category.lowercased().trimmingCharacters(in: .whitespaces)] ?? [])
        }
        found.formUnion(index.matches(in: Self.words(title)).keys)
        for (topic, keywords) in index.matches(in: Self.words(lead)) where keywords.count >= 2 {
            found.insert(topic)
        }
        return found.sorted()
    }

    /// Lower-cased words; hyphens, ampersands and non-ASCII letters count as word characters,
    /// Unicode punctuation (U+2000–U+206F: curly quotes, dashes, ellipsis), Latin-1 punctuation
    /// and no-break spaces do not. Works on UTF-8 bytes: `Character` properties cost more than the
    /// rest of topic matching together.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            var hasNonASCII = false
            func endWord() {
                if !word.isEmpty {
                    let text = String(decoding: word, as: UTF8.self)
                    words.append(hasNonASCII ? text.lowercased() : text)
                }
                word.removeAll(keepingCapacity: true)
                hasNonASCII = false
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                    UInt8(ascii: "&"):
                    word.append(byte)
                case 0xE2 where index + 1 < bytes.count && (0x80...0x81).contains(bytes[index + 1]):
                    endWord()
                    index += 2
                case 0xC2 where index + 1 < bytes.count && (0xA0...0xBF).contains(bytes[index + 1]):
                    // No-break space and Latin-1 punctuation: ¡ « » ¿ and friends.
                    endWord()
                    index += 1
                case 0x80...0xFF:
                    word.append(byte)
                    hasNonASCII = true
                default:
                    endWord()
                }
                index += 1
            }
            endWord()
            return words
        }
    }
}

/// Keywords grouped by their first word: exact words in a dictionary, `prefix*` words by their
/// first three letters; the rest of a phrase is checked only when its first word matched.
struct KeywordIndex: Sendable {
    private struct Entry: Sendable {
        var topic: Topic
        var keyword: String
        /// The words after the first, each exact or `prefix*`.
        var rest: [String]
    }

    private var exact: [String: [Entry]] = [:]
    private var prefixes: [String: [(prefix: String, entry: Entry)]] = [:]

    init(_ rules: [Topic: TopicRules.Rule]) {
        for (topic, rule) in rules {
            for keyword in rule.keywords {
                let parts = keyword.split(separator: " ").map(String.init)
                guard let first = parts.first else { continue }
                let entry = Entry(topic: topic, keyword: keyword, rest: Array(parts.dropFirst()))
                if first.hasSuffix("*") {
                    let prefix = String(first.dropLast())
                    prefixes[String(prefix.prefix(3)), default: []].append((prefix, entry))
                } else {
                    exact[first, default: []].append(entry)
                }
            }
        }
    }

    /// For each topic, the distinct keywords found in `words`.
    func matches(in words: [String]) -> [Topic: Set<String>] {
        var found: [Topic: Set<String>] = [:]
        for (position, word) in words.enumerated() {
            for entry in exact[word] ?? [] where Self.restMatches(entry.rest, words, after: position) {
                found[entry.topic, default: []].insert(entry.keyword)
            }
            guard let group = prefixes[String(word.prefix(3))] else { continue }
            for (prefix, entry) in group
            where word.hasPrefix(prefix) && Self.restMatches(entry.rest, words, after: position) {
                found[entry.topic, default: []].insert(entry.keyword)
            }
        }
        return found
    }

    private static func restMatches(_ rest: [String], _ words: [String], after position: Int) -> Bool {
        guard position + rest.count < words.count else { return rest.isEmpty }
        for (offset, pattern) in rest.enumerated() {
            let word = words[position + 1 + offset]
            let matches = pattern.hasSuffix("*") ? word.hasPrefix(pattern.dropLast()) : word == pattern
            if !matches { return false }
        }
        return true
    }
}
