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

    public var rules: [Topic: Rule]

    public init(rules: [Topic: Rule]) {
        self.rules = rules
    }

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
    /// the lead (one word in a paragraph is too weak a sign: "space").
    public func topics(title: String, lead: String, categories: [String], sourceTopics: [Topic]) -> [Topic] {
        var found = Set(sourceTopics)
        let loweredCategories = Set(categories.map { $0.lowercased().trimmingCharacters(in: .whitespaces) })
        let titleWords = Self.words(title)
        let leadWords = Self.words(lead)
        for (topic, rule) in rules where !found.contains(topic) {
            if rule.categories.contains(where: loweredCategories.contains)
                || rule.keywords.contains(where: { Self.matches($0, in: titleWords) })
                || rule.keywords.lazy.filter({ Self.matches($0, in: leadWords) }).prefix(2).count == 2
            {
                found.insert(topic)
            }
        }
        return found.sorted()
    }

    /// Lower-cased words, keeping inner hyphens and apostrophes-free forms.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "&") }
    }

    /// A keyword (or phrase, or `prefix*`) occurs as whole words.
    static func matches(_ keyword: String, in words: [Substring]) -> Bool {
        let parts = keyword.split(separator: " ")
        guard let first = parts.first, !words.isEmpty, words.count >= parts.count else { return false }
        func match(_ pattern: Substring, _ word: Substring) -> Bool {
            pattern.hasSuffix("*") ? word.hasPrefix(pattern.dropLast()) : word == pattern
        }
        for start in 0...(words.count - parts.count) where match(first, words[start]) {
            if zip(parts.dropFirst(), words[(start + 1)...]).allSatisfy(match) { return true }
        }
        return false
    }
}
