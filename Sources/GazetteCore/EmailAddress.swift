import Foundation

/// An addr-spec (`local@domain`) that is safe to put in a header or an SMTP envelope.
///
/// Deliberately stricter than RFC 5322: no quoted local parts, comments, CR, LF, spaces or
/// angle brackets, so that a hostile form field can never inject a header or an SMTP command.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: String

    public init?(_ raw: String) {
        // Checked on UTF-8 bytes: every stored address is parsed again whenever it is read.
        var bytes = Array(raw.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
        guard bytes.count - start <= 254, let at = bytes[start...].firstIndex(of: UInt8(ascii: "@")) else {
            return nil
        }
        let local = bytes[start..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), !domain.isEmpty, !domain.contains(UInt8(ascii: "@")),
            local.allSatisfy({ $0 < 0x80 && Self.localAllowed[Int($0)] }),
            local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            !zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") })
        else { return nil }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(Self.isDomainLabel) else { return nil }
        // Domains are case-insensitive; local parts are kept as written.
        let lowerDomain = domain.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }
        self.value = String(decoding: Array(local) + [UInt8(ascii: "@")] + lowerDomain, as: UTF8.self)
    }

    /// 1 to 63 ASCII letters, digits and hyphens, not starting or ending with a hyphen.
    private static func isDomainLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
        else { return false }
        return label.allSatisfy { byte in
            let lower = byte | 0x20
            let isLetter = lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            return isLetter || isDigit || byte == UInt8(ascii: "-")
        }
    }

    /// The characters of an unquoted local part (RFC 5322 atext and the dot), by ASCII code.
    private static let localAllowed: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.".utf8 {
            table[Int(byte)] = true
        }
        return table
    }()

    public var domain: String { String(value[value.index(after: value.lastIndex(of: "@")!)...]) }

    public var description: String { value }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.value < rhs.value }
}
