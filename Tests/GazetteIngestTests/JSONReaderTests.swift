import Foundation
import TestSupport
import Testing

@testable import GazetteIngest

@Suite("JSON reader")
struct JSONReaderTests {
    @Test("values of every kind, escapes and surrogate pairs decoded, numbers kept as written")
    func values() throws {
        let text = #"""
            {"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00", "n": [0, -1.5e+3, 2.0, 1E-7],
             "t": true, "f": false, "z": null, "o": {}, "a": [], "k": 1, "k": 2}
            """#
        let value = try JSONReader.read(Data(text.utf8))
        #expect(value["s"]?.string == "a\"b\\c/d\u{08}\u{0C}\n\r\té€😀")
        let numbers = try #require(value["n"]?.array)
        #expect(numbers.map { describe($0) } == ["0", "-1.5e+3", "2.0", "1E-7"])
        #expect(describe(value["t"]!) == "true" && describe(value["f"]!) == "false")
        #expect(describe(value["z"]!) == "null")
        #expect(value["o"]?.isObject == true && value["a"]?.array?.isEmpty == true)
        #expect(describe(value["k"]!) == "2", "a repeated key: the last counts")
    }

    @Test("a lone surrogate and invalid UTF-8 inside a string become U+FFFD; a BOM is skipped")
    func repairs() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += #"["\ud800x", "\udc00", "\ud83d\u0041", "bad "#.utf8
        bytes += [0xC3, 0x28, 0xFF]
        bytes += #"", "\u0000"]"#.utf8
        let strings = try #require(JSONReader.read(Data(bytes)).array).map(\.string)
        #expect(strings == ["\u{FFFD}x", "\u{FFFD}", "\u{FFFD}A", "bad \u{FFFD}(\u{FFFD}", "\u{0}"])
    }

    @Test(
        "errors name the problem, the line and the column",
        arguments: [
            ("{\"a\": 1,\n  \"b\" 2}", 2, 7, "expected \":\" after the key \"b\", found \"2\""),
            ("[1, 2", 1, 6, "the document ends inside an array"),
            ("[01]", 1, 3, "expected \",\" or \"]\" in an array, found \"1\""),
            ("[1.]", 1, 4, "a number's fraction needs a digit"),
            ("[-]", 1, 3, "a number needs a digit"),
            ("[1e]", 1, 4, "a number's exponent needs a digit"),
            ("{\"a\": tru}", 1, 7, "unexpected \"t\""),
            ("[\"a\tb\"]", 1, 4, "a control character (byte 0x09) must be escaped"),
            ("[\"\\x\"]", 1, 4, "\"x\" cannot follow a backslash"),
            ("[\"\\u12G4\"]", 1, 7, "\\u needs four hex digits, found \"G\""),
            ("\n\n  [\"open", 3, 4, "a string that is never closed"),
            ("{} x", 1, 4, "unexpected \"x\" after the document"),
            ("{'a': 1}", 1, 2, "expected a key in double quotes, found \"'\""),
            ("[\u{E9}]", 1, 2, "unexpected byte 0xC3 where a value should be"),
            ("", 1, 1, "the document ends where a value should be"),
        ]
    )
    func errors(text: String, line: Int, column: Int, problem: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONReader.read(Data(text.utf8)) }
        #expect(error?.line == line && error?.column == column, "\(String(describing: error))")
        #expect(error?.problem.contains(problem) == true, "\(error?.problem ?? "")")
    }

    @Test("nesting past the limit is an error, at the limit it is read")
    func depth() throws {
        let limit = JSONReader.maxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONReader.read(Data(deepest.utf8)).array?.count == 1)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONReader.read(Data(("[" + deepest + "]").utf8)) }
        #expect(error?.problem == "arrays and objects nested more than \(limit) deep")
        #expect(error?.column == limit + 1)
    }

    @Test("every prefix of a JSON Feed, and random bytes, are read or refused: never a crash")
    func prefixesAndRandomBytes() throws {
        let feed = Array(
            #"""
            {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": 1, "title": "a\"\u00e9\ud83d\ude00",
             "tags": ["x"], "n": -0.5e-3, "ok": true, "nil": null}]}
            """#.utf8
        )
        // No proper prefix of an object is a document.
        let readPrefixes = (0..<feed.count).filter { (try? JSONReader.read(Data(feed[..<$0]))) != nil }
        #expect(readPrefixes.isEmpty, "\(readPrefixes)")
        #expect(try JSONReader.read(Data(feed))["items"]?.array?.count == 1)
        var random = SplitMix(seed: 0xB17E5)
        var agreed = 0
        for _ in 0..<3_000 {
            let bytes = (0..<Int.random(in: 0...48, using: &random)).map { _ in
                // Mostly JSON's own punctuation, so that the reader gets past the first byte.
                Bool.random(using: &random)
                    ? Array(#"{}[]",:01-.e\u"#.utf8).randomElement(using: &random)!
                    : UInt8.random(in: 0...255, using: &random)
            }
            let ours = try? JSONReader.read(Data(bytes))
            // Where the two are meant to agree (valid UTF-8, no surrogate escapes), they do.
            guard String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(UInt8(ascii: "\\")) else {
                continue
            }
            let peer = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect((ours == nil) == (peer == nil), "\(bytes)")
            agreed += 1
        }
        #expect(agreed > 100)
    }

    /// Foundation's `JSONSerialization` as the peer: on documents mutated at random from a
    /// valid one (ASCII bytes only, no surrogate escapes: the two differ there by design), both
    /// accept or both refuse, and what both accept reads the same.
    @Test("agrees with JSONSerialization on 3,000 mutated documents")
    func agreesWithJSONSerialization() throws {
        let seed = Array(
            #"""
            {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": 12, "title": "A \"q\" \u00e9",
             "tags": ["x", "y"], "n": -0.5e-3, "ok": true, "no": false, "nil": null, "o": {"k": [1, {}]}}]}
            """#.utf8
        )
        let alphabet = Array(#"{}[]",:0123456789-+.eE \ntruefalsnul\/bx"#.utf8)
        var random = SplitMix(seed: 0x5EED_4A53_4F4E)
        var compared = (accepted: 0, refused: 0)
        for _ in 0..<3_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                default: bytes[position] = alphabet.randomElement(using: &random)!
                }
            }
            let data = Data(bytes)
            let ours = try? JSONReader.read(data)
            let peer = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            #expect((ours == nil) == (peer == nil), "\(String(decoding: bytes, as: UTF8.self))")
            if let ours, let peer {
                #expect(canonical(ours) == canonical(peer), "\(String(decoding: bytes, as: UTF8.self))")
                compared.accepted += 1
            } else {
                compared.refused += 1
            }
        }
        #expect(compared.accepted > 100 && compared.refused > 100, "\(compared)")
    }

    /// A value in one form: sorted keys, numbers as written (`byValue`: as a `Double`).
    private func describe(_ value: JSONValue, byValue: Bool = false) -> String {
        let describe = { (value: JSONValue) in self.describe(value, byValue: byValue) }
        switch value {
        case .object(let list):
            // A repeated key: the last one counts, as JSONSerialization takes it.
            let members = Dictionary(list.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            return "{" + members.keys.sorted().map { "\($0):\(describe(members[$0]!))" }.joined(separator: ",") + "}"
        case .array(let elements): return "[" + elements.map(describe).joined(separator: ",") + "]"
        case .string(let text): return "\"\(text)\""
        case .number(let text): return byValue ? "\(Double(text)!)" : text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }

    private func canonical(_ value: JSONValue) -> String { describe(value, byValue: true) }

    /// `JSONSerialization`'s value in the same form.
    private func canonical(_ value: Any) -> String {
        switch value {
        case let members as [String: Any]:
            "{" + members.keys.sorted().map { "\($0):\(canonical(members[$0]!))" }.joined(separator: ",") + "}"
        case let elements as [Any]: "[" + elements.map(canonical).joined(separator: ",") + "]"
        case let text as String: "\"\(text)\""
        case is NSNull: "null"
        // Booleans are a distinct NSNumber subclass (see `JSONObjectReader.isBool`).
        case let number as NSNumber where type(of: number) == type(of: NSNumber(value: true)):
            number.boolValue ? "true" : "false"
        case let number as NSNumber: "\(number.doubleValue)"
        default: "?"
        }
    }
}
