/// A problem the operator can act on, worded for them.
public struct GazetteError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
