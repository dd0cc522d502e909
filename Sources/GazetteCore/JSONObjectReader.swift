import Foundation

/// Reads one JSON object key by key, remembering the key path for error messages and which
/// keys were read, so that a misspelt key is reported instead of silently ignored.
struct JSONObjectReader {
    let path: String
    private let object: [String: Any]
    private var readKeys: Set<String> = []

    init(_ value: Any, path: String) throws {
        guard let object = value as? [String: Any] else {
            throw ConfigurationError(
                path: path,
                message: "expected an object, found \(JSONObjectReader.kind(of: value))"
            )
        }
        self.object = object
        self.path = path
    }

    /// The object's keys, sorted.
    var keys: [String] { object.keys.sorted() }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func value(_ key: String) -> Any? {
        readKeys.insert(key)
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    mutating func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value as? String else {
            throw ConfigurationError(path: childPath(key), message: "expected a string, found \(Self.kind(of: value))")
        }
        return string
    }

    mutating func requiredString(_ key: String) throws -> String {
        guard let string = try string(key) else {
            throw ConfigurationError(path: childPath(key), message: "missing; expected a string")
        }
        guard !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ConfigurationError(path: childPath(key), message: "must not be empty")
        }
        return string
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, !Self.isBool(number), let int = Int(exactly: number.doubleValue) else {
            throw ConfigurationError(
                path: childPath(key),
                message: "expected an integer, found \(Self.kind(of: value))"
            )
        }
        guard range.contains(int) else {
            throw ConfigurationError(
                path: childPath(key),
                message: "\(int) is out of range; expected \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return int
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, Self.isBool(number) else {
            throw ConfigurationError(
                path: childPath(key),
                message: "expected true or false, found \(Self.kind(of: value))"
            )
        }
        return number.boolValue
    }

    mutating func object(_ key: String) throws -> JSONObjectReader? {
        guard let value = value(key) else { return nil }
        return try JSONObjectReader(value, path: childPath(key))
    }

    mutating func array(_ key: String) throws -> [Any]? {
        guard let value = value(key) else { return nil }
        guard let array = value as? [Any] else {
            throw ConfigurationError(path: childPath(key), message: "expected an array, found \(Self.kind(of: value))")
        }
        return array
    }

    mutating func stringArray(_ key: String) throws -> [String]? {
        guard let array = try array(key) else { return nil }
        return try array.enumerated().map { index, element in
            guard let string = element as? String else {
                throw ConfigurationError(
                    path: "\(childPath(key))[\(index)]",
                    message: "expected a string, found \(Self.kind(of: element))"
                )
            }
            return string
        }
    }

    /// Fails on the first key that was never read: a typo or a key from another version.
    func rejectUnknownKeys() throws {
        if let unknown = object.keys.sorted().first(where: { !readKeys.contains($0) }) {
            let known = readKeys.sorted().joined(separator: ", ")
            throw ConfigurationError(path: childPath(unknown), message: "unknown key; expected one of: \(known)")
        }
    }

    static func isBool(_ number: NSNumber) -> Bool {
        // JSONSerialization returns booleans as a distinct NSNumber subclass on every platform.
        type(of: number) == type(of: NSNumber(value: true))
    }

    static func kind(of value: Any) -> String {
        switch value {
        case is String: return "a string"
        case let number as NSNumber: return isBool(number) ? "a boolean" : "a number"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }
}
