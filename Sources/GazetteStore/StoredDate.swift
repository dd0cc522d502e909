import Foundation
import GRDB
import GazetteCore

/// A date as GRDB stores one, "yyyy-MM-dd HH:mm:ss.SSS" in UTC, made by arithmetic. GRDB
/// formats every `Date` it binds with a `DateFormatter`, about 15 µs each on Linux, and each
/// message sent binds dates twice: its lease and its attempt. Stored dates are compared as
/// text in SQL, so this is the very text GRDB would have bound (a test holds it to that).
enum StoredDate {
    static func text(_ date: Date) -> String {
        // As Foundation's DateFormatter does (CFDateFormatter): the milliseconds since 1970 plus
        // half of one, which ICU then rounds down; to the nearest millisecond, that is.
        let millis = (date.timeIntervalSinceReferenceDate + 978_307_200) * 1_000 + 0.5
        guard millis.isFinite, abs(millis) < 1e15 else { return grdbText(date) }
        let (seconds, millisecond) = UTCFields.floorDivision(Int(millis.rounded(.down)), 1_000)
        let fields = UTCFields(secondsSince1970: seconds)
        // Before 1600 ICU counts in the Julian calendar, after 9999 in more digits.
        guard (1_600...9_999).contains(fields.year) else { return grdbText(date) }
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int, then separator: UInt8?) {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    buffer[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    index += 1
                    divisor /= 10
                }
                if let separator {
                    buffer[index] = separator
                    index += 1
                }
            }
            put(fields.year, digits: 4, then: UInt8(ascii: "-"))
            put(fields.month, digits: 2, then: UInt8(ascii: "-"))
            put(fields.day, digits: 2, then: UInt8(ascii: " "))
            put(fields.hour, digits: 2, then: UInt8(ascii: ":"))
            put(fields.minute, digits: 2, then: UInt8(ascii: ":"))
            put(fields.second, digits: 2, then: UInt8(ascii: "."))
            put(millisecond, digits: 3, then: nil)
            return index
        }
    }

    /// GRDB's own text, for the dates a `DateFormatter` writes its own way.
    private static func grdbText(_ date: Date) -> String {
        String.fromDatabaseValue(date.databaseValue) ?? ""
    }
}
