/// A topic slug such as "economy" or "climate": lower-case ASCII letters, digits and hyphens.
public struct Topic: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let slug: String

    public init?(_ slug: String) {
        let lower = slug.lowercased()
        guard (1...40).contains(lower.count),
            lower.first?.isLetter == true,
            lower.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" })
        else { return nil }
        self.slug = lower
    }

    public var description: String { slug }

    public static func < (lhs: Topic, rhs: Topic) -> Bool { lhs.slug < rhs.slug }
}
