import Foundation
import GRDB
import TestSupport
import Testing

@testable import GazetteStore

@Suite("Stored dates")
struct StoredDateTests {
    @Test("a date's stored text is GRDB's own, to the millisecond: fractions, before 1970, leap days, far years")
    func sameTextAsGRDB() {
        var random = SplitMix(seed: 29)
        let edges: [TimeInterval] = [
            0, -0.0005, -0.5, -1, 0.0009, 0.001, 0.9999, 951_782_400, 951_868_799.999, 1_795_900_000.123,
            1_795_900_000.0005, -2_208_988_800, -11_676_096_000, 253_402_300_799.999, 253_402_300_800,
            -62_135_596_800, Date.distantPast.timeIntervalSince1970, Date.distantFuture.timeIntervalSince1970,
        ]
        let randomSeconds = (0..<3_000).map { _ in
            Double(Int64.random(in: -5_000_000_000...7_000_000_000, using: &random))
                + Double(Int.random(in: 0..<1_000_000, using: &random)) / 1_000_000
        }
        for seconds in edges + randomSeconds {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(StoredDate.text(date) == String.fromDatabaseValue(date.databaseValue), "\(seconds)")
        }
        #expect(StoredDate.text(Date(timeIntervalSince1970: 951_782_400.25)) == "2000-02-29 00:00:00.250")
    }
}
