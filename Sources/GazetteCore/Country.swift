import Foundation

/// A country, named by its ISO 3166-1 alpha-2 code and always stored upper-case ("DE").
public struct Country: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let code: String

    /// Accepts any letter case ("de", "DE"); returns nil for anything that is not an assigned code.
    public init?(code: String) {
        let upper = code.uppercased()
        guard Country.assignedCodes.contains(upper) else { return nil }
        self.code = upper
    }

    /// The English name ("Germany"), or the code when the platform has no name for it.
    public var name: String {
        Locale(identifier: "en_US_POSIX").localizedString(forRegionCode: code) ?? code
    }

    /// The form used in feed paths: `country/de.atom`.
    public var slug: String { code.lowercased() }

    public var description: String { code }

    public static func < (lhs: Country, rhs: Country) -> Bool { lhs.code < rhs.code }

    /// ISO 3166-1 alpha-2 codes as the platform's ICU knows them, less the codes ICU lists for
    /// groupings and reservations that are not countries.
    static let assignedCodes: Set<String> = {
        let notCountries: Set<String> = ["EU", "EZ", "UN", "QO", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA", "XA", "XB"]
        let regions = Locale.Region.isoRegions.map(\.identifier)
        return Set(regions.filter { $0.count == 2 && $0.allSatisfy(\.isLetter) && !notCountries.contains($0) })
    }()
}
