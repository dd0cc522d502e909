import CCurl
import Foundation
import GazetteCore

/// What a fetch may do: which schemes, how long, how big.
public struct HTTPFetchLimits: Sendable {
    public var connectTimeoutSeconds: Int = 10
    public var totalTimeoutSeconds: Int = 30
    /// The largest body accepted, counted after decompression.
    public var maxBodyBytes: Int = 10 * 1024 * 1024
    public var maxRedirects: Int = 5
    /// `file:` is for bundled samples only; redirects are always limited to http and https.
    public var allowFileScheme: Bool = false
    public var userAgent: String = "Gazette/0.1 (+https://github.com/gazette-news/gazette)"

    public init(
        connectTimeoutSeconds: Int = 10,
        totalTimeoutSeconds: Int = 30,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxRedirects: Int = 5,
        allowFileScheme: Bool = false
    ) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.totalTimeoutSeconds = totalTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
        self.allowFileScheme = allowFileScheme
    }
}

/// The validators of a previous response, for a conditional GET.
public struct HTTPValidators: Hashable, Sendable {
    public var etag: String?
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

public struct HTTPResponse: Sendable {
    /// 200, 304, …; 0 for `file:` URLs, which have no status.
    public var status: Int
    /// Header names lower-cased; the last value wins when a name repeats (redirects included).
    public var headers: [String: String]
    public var body: Data
    public var effectiveURL: String?

    public var isNotModified: Bool { status == 304 }
    public var validators: HTTPValidators {
        HTTPValidators(etag: headers["etag"], lastModified: headers["last-modified"])
    }
}

public enum HTTPFetchError: Error, CustomStringConvertible {
    case bodyTooLarge(limit: Int)
    /// A server on the internet redirected to an address inside a network (SSRF).
    case redirectedInside(address: String)
    case transfer(CurlError)

    public var description: String {
        switch self {
        case .bodyTooLarge(let limit): "response body exceeds the limit of \(limit) bytes"
        case .redirectedInside(let address):
            "redirected from the internet to an internal address (\(address)): not followed"
        case .transfer(let error): error.description
        }
    }
}

/// GETs one URL with libcurl; every call uses its own easy handle, so calls may run concurrently.
public struct HTTPClient: Sendable {
    public var limits: HTTPFetchLimits

    public init(limits: HTTPFetchLimits = HTTPFetchLimits()) {
        self.limits = limits
    }

    public func get(_ url: String, validators: HTTPValidators = HTTPValidators()) async throws -> HTTPResponse {
        let limits = self.limits
        let result: Result<HTTPResponse, HTTPFetchError> = await BlockingQueue.run {
            Self.perform(url: url, validators: validators, limits: limits)
        }
        return try result.get()
    }

    private static func perform(
        url: String,
        validators: HTTPValidators,
        limits: HTTPFetchLimits
    ) -> Result<
        HTTPResponse, HTTPFetchError
    > {
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
        } catch {
            return .failure(.transfer(error))
        }
        let transfer = TransferBuffer(limit: limits.maxBodyBytes)
        let opaque = Unmanaged.passUnretained(transfer).toOpaque()
        do {
            try easy.set(CURLOPT_URL, url)
            try easy.set(CURLOPT_PROTOCOLS_STR, limits.allowFileScheme ? "http,https,file" : "http,https")
            try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
            try easy.set(CURLOPT_FOLLOWLOCATION, 1)
            try easy.set(CURLOPT_MAXREDIRS, limits.maxRedirects)
            try easy.set(CURLOPT_CONNECTTIMEOUT, limits.connectTimeoutSeconds)
            try easy.set(CURLOPT_TIMEOUT, limits.totalTimeoutSeconds)
            // A server that trickles less than 100 bytes/s for 15 s is dropped before the total timeout.
            try easy.set(CURLOPT_LOW_SPEED_LIMIT, 100)
            try easy.set(CURLOPT_LOW_SPEED_TIME, 15)
            // "" asks for every encoding this libcurl can decode (gzip, deflate, br, zstd).
            try easy.set(CURLOPT_ACCEPT_ENCODING, "")
            try easy.set(CURLOPT_USERAGENT, limits.userAgent)
            var headers = ["Accept: application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"]
            if let etag = validators.etag, !etag.contains(where: \.isNewline) {
                headers.append("If-None-Match: \(etag)")
            }
            if let lastModified = validators.lastModified, !lastModified.contains(where: \.isNewline) {
                headers.append("If-Modified-Since: \(lastModified)")
            }
            try easy.set(CURLOPT_HTTPHEADER, list: headers)
            try easy.set(CURLOPT_WRITEDATA, pointer: opaque)
            try easy.set(CURLOPT_WRITEFUNCTION, callback: TransferBuffer.write)
            try easy.set(CURLOPT_HEADERDATA, pointer: opaque)
            try easy.set(CURLOPT_HEADERFUNCTION, callback: TransferBuffer.header)
            try easy.set(CURLOPT_PREREQDATA, pointer: opaque)
            try easy.set(prerequest: TransferBuffer.prerequest)
        } catch let error as CurlError {
            return .failure(.transfer(error))
        } catch {
            return .failure(.transfer(CurlError(code: -1, message: "\(error)")))
        }
        let failure = withExtendedLifetime(transfer) { easy.perform() }
        if transfer.exceededLimit { return .failure(.bodyTooLarge(limit: limits.maxBodyBytes)) }
        if let address = transfer.refusedAddress { return .failure(.redirectedInside(address: address)) }
        if let failure { return .failure(.transfer(failure)) }
        return .success(
            HTTPResponse(
                status: easy.responseCode,
                headers: transfer.headers,
                body: transfer.body,
                effectiveURL: easy.effectiveURL
            )
        )
    }
}

/// Collects one transfer's body (up to a limit, counted on decompressed bytes) and headers.
/// libcurl calls its static functions with an unretained pointer to it.
final class TransferBuffer {
    let limit: Int
    var body = Data()
    var headers: [String: String] = [:]
    var exceededLimit = false
    /// Whether the transfer's first connection went to an address on the internet; then a
    /// redirect may not lead inside a network (`refusedAddress`). A feed the operator
    /// configured on their own network may redirect within it.
    var startedOutside: Bool?
    var refusedAddress: String?

    init(limit: Int) { self.limit = limit }

    /// Before each request, with the connection's address: once a transfer started on the
    /// internet, a connection to an internal address is refused (the address, not the name, so
    /// a name that resolves inside is caught too).
    static let prerequest: gazette_curl_prereq_callback = { clientp, primaryIP, _, _, _ in
        guard let clientp, let primaryIP else { return 0 }
        let transfer = Unmanaged<TransferBuffer>.fromOpaque(clientp).takeUnretainedValue()
        let address = String(cString: primaryIP)
        // An address libcurl gives that does not parse counts as internal: refused, not trusted.
        let isInternal = IPAddress(address)?.isInternal ?? true
        guard let startedOutside = transfer.startedOutside else {
            transfer.startedOutside = !isInternal
            return 0
        }
        guard startedOutside, isInternal else { return 0 }
        transfer.refusedAddress = address
        return 1  // CURL_PREREQFUNC_ABORT
    }

    static let write: gazette_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let transfer = Unmanaged<TransferBuffer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        guard transfer.body.count + length <= transfer.limit else {
            transfer.exceededLimit = true
            return 0  // anything but `length` makes libcurl abort with CURLE_WRITE_ERROR
        }
        buffer.withMemoryRebound(to: UInt8.self, capacity: length) { transfer.body.append($0, count: length) }
        return length
    }

    static let header: gazette_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let transfer = Unmanaged<TransferBuffer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        let line = buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100 Continue): forget the previous one's headers.
            transfer.headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            transfer.headers[name] = value
        }
        return length
    }
}
