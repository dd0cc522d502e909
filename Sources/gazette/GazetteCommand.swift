import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import Logging

@main
struct GazetteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gazette",
        abstract: "News digests by email and per-country feeds, from the outlets' own RSS and Atom feeds.",
        version: "0.1.0",
        subcommands: [
            Init.self, Run.self, Serve.self, Status.self, ScheduleCommand.self, Ingest.self, Subscribe.self,
            Unsubscribe.self,
            Subscribers.self, Digest.self, Send.self,
            Deliveries.self, Resend.self, Feeds.self, Sources.self, Prune.self, Stories.self, Parse.self,
            Summarize.self,
            Cluster.self, Demo.self,
        ]
    )
}

/// The options every command that reads the config shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: $GAZETTE_CONFIG, else gazette.json).")
    var config: String?

    @Flag(name: .long, help: "Log every step, not only warnings and errors.")
    var verbose = false

    var configPath: String {
        config ?? ProcessInfo.processInfo.environment["GAZETTE_CONFIG"] ?? "gazette.json"
    }

    func loadConfiguration() throws -> GazetteConfiguration {
        do {
            return try GazetteConfiguration.load(contentsOf: URL(fileURLWithPath: configPath))
        } catch let error as ConfigurationError {
            throw CommandFailure("config \(configPath): \(error)")
        }
    }

    func makeLogger() -> Logger {
        var logger = Logger(label: "gazette")
        logger.logLevel = verbose ? .info : .warning
        return logger
    }

    /// Loads the config and opens the store; nothing runs before the config is valid.
    func openGazette() async throws -> Gazette {
        let configuration = try loadConfiguration()
        return try await CommandFailure.wrap {
            try await Gazette.open(
                configuration: configuration,
                templatesDirectory: try configuration.templatesDirectory.map(URL.init(fileURLWithPath:))
                    ?? Resources.templates(),
                logger: makeLogger()
            )
        }
    }
}

/// An error printed as `Error: <message>` with exit code 1, without a stack of type names.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    static func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}

func parseCountries(_ codes: [String]) throws -> [Country] {
    try codes.map { code in
        guard let country = Country(code: code) else {
            throw ValidationError("--country \(code): not an ISO 3166-1 alpha-2 code (e.g. DE, FR, JP)")
        }
        return country
    }
}
