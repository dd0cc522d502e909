/// A news outlet as configured: where its feeds are and what it covers.
public struct Source: Hashable, Sendable, Identifiable {
    /// A short stable identifier chosen by the operator ("lemonde").
    public var id: String
    public var name: String
    public var country: Country
    /// A BCP 47 language tag as written in the config ("fr", "pt-BR").
    public var language: String
    public var feeds: [String]
    public var topics: [Topic]

    public init(id: String, name: String, country: Country, language: String, feeds: [String], topics: [Topic] = []) {
        self.id = id
        self.name = name
        self.country = country
        self.language = language
        self.feeds = feeds
        self.topics = topics
    }
}
