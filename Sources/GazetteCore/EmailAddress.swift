import Foundation

/// An addr-spec (`local@domain`) that is safe to put in a header or an SMTP envelope.
///
/// Deliberately stricter than RFC 5322: no quoted local parts, comments, CR, LF, spaces or
/// angle brackets, so that a hostile form field can never inject a header or an SMTP command.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: String

    public init?(_ raw: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 254 else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            (1...64).contains(local.utf8.count), !domain.isEmpty
        else { return nil }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
        guard local.allSatisfy({ localAllowed.contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { return nil }
        // Domains are case-insensitive; local parts are kept as written.
        self.value = "\(local)@\(domain.lowercased())"
    }

    public var domain: String { String(value[value.index(after: value.lastIndex(of: "@")!)...]) }

    public var description: String { value }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.value < rhs.value }
}
