import CCurl
import Dispatch
import Foundation

/// Where and how to reach the SMTP server. The password is passed in, never read from config.
public struct SMTPServer: Sendable {
    /// `smtp://host:port` (STARTTLS when offered; required when credentials are set) or
    /// `smtps://host:port` (TLS from the start).
    public var url: URL
    /// Sent in EHLO; libcurl takes it from the URL's path.
    public var heloName: String
    public var username: String?
    public var password: String?
    public var timeoutSeconds: Int
    /// Whether the conversation must be encrypted (STARTTLS, or smtps://). Nil: required for any
    /// server that is not on loopback, and for any login; never a silent plaintext fallback there.
    /// False allows plain text where the operator says so (a relay on a private network), but
    /// never with a login.
    public var requireTLS: Bool?
    /// A PEM file of certificate authorities to trust besides the system's (a private relay).
    public var caFile: String?

    public init(
        url: URL,
        heloName: String = "localhost",
        username: String? = nil,
        password: String? = nil,
        timeoutSeconds: Int = 60,
        requireTLS: Bool? = nil,
        caFile: String? = nil
    ) {
        self.url = url
        self.heloName = heloName
        self.username = username
        self.password = password
        self.timeoutSeconds = timeoutSeconds
        self.requireTLS = requireTLS
        self.caFile = caFile
    }

    /// Whether STARTTLS must succeed before anything else is said.
    var mustEncrypt: Bool {
        // A password never crosses the wire in clear, whatever requireTLS says.
        if username != nil { return true }
        if let requireTLS { return requireTLS }
        return !Self.isLoopback(url.host ?? "")
    }

    /// `localhost`, `::1`, or an IPv4 address in 127.0.0.0/8 written as four numbers (not a
    /// name that merely starts with "127.").
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { octet in Int(octet).map { (0...255).contains($0) } ?? false }
    }
}

/// The server's answer to one message: the last reply code and its text.
public struct SMTPReply: Hashable, Sendable {
    /// 250 on success; 4xx temporary, 5xx permanent, 0 when no reply came (connection failure).
    public var code: Int
    /// The last reply line, e.g. `250 2.0.0 Ok: queued as 13025`, or libcurl's error.
    public var text: String
    /// libcurl's error code when the transfer failed (0: none).
    public var curlCode: Int

    public init(code: Int, text: String, curlCode: Int = 0) {
        self.code = code
        self.text = text
        self.curlCode = curlCode
    }

    public var isSuccess: Bool { (200..<300).contains(code) }
    public var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// The server asks the sender to slow down: 421 (closing), 454 (TLS or resources), or a
    /// 4.7.x enhanced code (rate or policy limits) on any 4xx reply.
    public var isThrottling: Bool {
        code == 421 || code == 454 || ((400..<500).contains(code) && text.contains(" 4.7."))
    }

    /// Nothing will get through on this server until the operator acts: the login was refused
    /// or encryption could not be set up. Sending on would only turn every message into a failure.
    public var stopsTheRun: Bool {
        let authentication = [530, 534, 535, 538].contains(code) || curlCode == Int(CURLE_LOGIN_DENIED.rawValue)
        let tls = [
            CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
        ].contains { Int($0.rawValue) == curlCode }
        return authentication || tls
    }

    /// The queue id in a 250 reply (`250 2.0.0 Ok: queued as 4F2A13025`), when there is one.
    public var queueID: String? {
        guard isSuccess else { return nil }
        // A search over the bytes: this runs for every message sent, and both Foundation's
        // `range(of:)` and the standard library's `firstRange(of:)` build a searcher each time.
        var text = text
        return text.withUTF8 { bytes -> String? in
            let marker = Self.queuedAs
            guard bytes.count >= marker.count else { return nil }
            for start in 0...(bytes.count - marker.count)
            where bytes[start..<start + marker.count].elementsEqual(marker) {
                let id = bytes[(start + marker.count)...].prefix(while: Self.isQueueIDByte)
                return id.isEmpty ? nil : String(decoding: id, as: UTF8.self)
            }
            return nil
        }
    }

    private static let queuedAs = Array("queued as ".utf8)

    /// Queue ids are ASCII letters and digits, with dashes and dots in some MTAs' forms.
    private static func isQueueIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }
}

/// One SMTP connection, reused for every message sent through it (libcurl keeps it open
/// between transfers). Messages go one at a time, on a serial queue of its own.
public final class SMTPConnection: @unchecked Sendable {
    // @unchecked: `easy` and `configured` are touched only on `queue`, which is serial.
    private let server: SMTPServer
    private let queue = DispatchQueue(label: "gazette.smtp.connection")
    /// The connection's handle, or why libcurl could not be loaded (then every send says so).
    private let handle = Result { () throws(CurlError) in try CurlEasy() }
    /// Whether the options every message shares are set on `easy`: once per connection, as
    /// libcurl's handle reuse intends, not reset and set again for every message.
    private var configured = false
    /// The server's URL with the EHLO name as its path, the way libcurl takes it; made once,
    /// not per message.
    private let url: String
    /// `server.mustEncrypt`, worked out once.
    private let useSSL: Int

    public init(server: SMTPServer) {
        self.server = server
        useSSL = Int(server.mustEncrypt ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue)
        var components = URLComponents(url: server.url, resolvingAgainstBaseURL: false)
        components?.path = "/" + server.heloName
        url = components?.string ?? server.url.absoluteString
    }

    /// Sends one message to one recipient (one envelope per recipient, so one refusal never
    /// affects another). `message` must use CRLF line ends; libcurl dot-stuffs it.
    public func send(from sender: String, to recipient: String, message: [UInt8]) async -> SMTPReply {
        await BlockingQueue.run(on: queue) { [self] in
            sendNow(from: sender, to: recipient, message: message, beforeEnd: nil)
        }
    }

    /// The same on the calling thread, which it blocks; never call it on Swift's cooperative
    /// pool. When the connection is idle it runs right there, with no hand-off to another thread.
    /// - Parameter beforeEnd: asked once, as libcurl takes the message's last bytes: before
    ///   the final "." that makes the server take it; false abandons the message (no reply code).
    public func sendBlocking(
        from sender: String,
        to recipient: String,
        message: [UInt8],
        beforeEnd: (() -> Bool)? = nil
    ) -> SMTPReply {
        queue.sync { sendNow(from: sender, to: recipient, message: message, beforeEnd: beforeEnd) }
    }

    private func sendNow(
        from sender: String,
        to recipient: String,
        message: [UInt8],
        beforeEnd: (() -> Bool)?
    ) -> SMTPReply {
        let reply = perform(from: sender, to: recipient, message: message, beforeEnd: beforeEnd, freshConnection: false)
        // 421 on a connection in use: the server closed it (many do after N messages). One
        // more try on a new connection; a second 421 means the server wants us to slow down.
        guard reply.code == 421 else { return reply }
        return perform(from: sender, to: recipient, message: message, beforeEnd: beforeEnd, freshConnection: true)
    }

    private func perform(
        from sender: String,
        to recipient: String,
        message: [UInt8],
        beforeEnd: (() -> Bool)?,
        freshConnection: Bool
    ) -> SMTPReply {
        let easy: CurlEasy
        switch handle {
        case .success(let handle): easy = handle
        case .failure(let failure): return SMTPReply(code: 0, text: failure.description, curlCode: failure.code)
        }
        let upload = UploadSource(bytes: message, beforeEnd: beforeEnd)
        let opaque = Unmanaged.passUnretained(upload).toOpaque()
        do {
            if !configured {
                try configure(easy)
                configured = true
            }
            try easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
            try easy.set(CURLOPT_MAIL_RCPT, list: ["<\(recipient)>"])
            try easy.set(CURLOPT_INFILESIZE_LARGE, message.count)
            try easy.set(CURLOPT_READDATA, pointer: opaque)
            try easy.set(CURLOPT_HEADERDATA, pointer: opaque)
            try easy.set(CURLOPT_FRESH_CONNECT, freshConnection ? 1 : 0)
        } catch {
            // Set again from the start for the next message: this one may have left half of them.
            easy.reset()
            configured = false
            return SMTPReply(code: 0, text: "\(error)")
        }
        let failure = withExtendedLifetime(upload) { easy.perform() }
        // The source goes with this message: the handle keeps no pointer to it.
        try? easy.set(CURLOPT_READDATA, pointer: nil)
        try? easy.set(CURLOPT_HEADERDATA, pointer: nil)
        let code = easy.responseCode
        if let failure, code < 400 {
            // No final reply (none at all, or the connection broke after 354 or a 250): a
            // transport problem, not the server's verdict.
            return SMTPReply(code: 0, text: failure.description, curlCode: failure.code)
        }
        // After a refusal libcurl sends QUIT, so the last line is "221 Bye": report the line
        // that carries the code instead.
        let line = upload.replyLines.last { $0.hasPrefix(String(code)) } ?? upload.replyLines.last
        return SMTPReply(code: code, text: line ?? failure?.description ?? "", curlCode: failure?.code ?? 0)
    }

    /// The options every message on this connection shares. The upload source is the only
    /// per-message state the callbacks see, through CURLOPT_READDATA and CURLOPT_HEADERDATA.
    private func configure(_ easy: CurlEasy) throws {
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        try easy.set(CURLOPT_UPLOAD, 1)
        try easy.set(CURLOPT_READFUNCTION, callback: UploadSource.read)
        try easy.set(CURLOPT_HEADERFUNCTION, callback: UploadSource.replyLine)
        try easy.set(CURLOPT_CONNECTTIMEOUT, min(30, server.timeoutSeconds))
        try easy.set(CURLOPT_TIMEOUT, server.timeoutSeconds)
        // Each reply, the greeting included, must come within this: a server that goes
        // silent mid-conversation costs one timeout, not the whole transfer's.
        try easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, min(server.timeoutSeconds, 60))
        if let caFile = server.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        if let username = server.username {
            try easy.set(CURLOPT_USERNAME, username)
            try easy.set(CURLOPT_PASSWORD, server.password ?? "")
        }
        // Required: STARTTLS must succeed or nothing is sent (credentials and mail never cross
        // the wire in clear). Otherwise (a loopback relay) it is used when offered.
        try easy.set(CURLOPT_USE_SSL, useSSL)
    }
}

/// Feeds a message to libcurl's read callback and keeps the server's recent reply lines.
final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    var replyLines: [String] = []
    /// Asked once, before the message's last bytes go to libcurl; false aborts the transfer.
    private var beforeEnd: (() -> Bool)?

    init(bytes: [UInt8], beforeEnd: (() -> Bool)? = nil) {
        self.bytes = bytes
        self.beforeEnd = beforeEnd
    }

    /// The caller's condition for handing the message over, asked once; true when there is none.
    func mayEnd() -> Bool {
        guard let beforeEnd else { return true }
        self.beforeEnd = nil
        return beforeEnd()
    }

    static let read: gazette_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
        let length = min(size * count, source.bytes.count - source.offset)
        // The message's last bytes: once libcurl has them it sends the final "." and with its
        // 250 the message is the server's, so the caller's condition comes first. Asked here,
        // not when this callback would return 0: with the size known (CURLOPT_INFILESIZE_LARGE,
        // which libcurl also offers the server as SIZE=) libcurl never asks for more.
        if source.offset + length == source.bytes.count, !source.mayEnd() {
            return 0x1000_0000  // CURL_READFUNC_ABORT
        }
        guard length > 0 else { return 0 }
        source.bytes.withUnsafeBufferPointer { all in
            UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: length)
        }
        source.offset += length
        return length
    }

    static let replyLine: gazette_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        // Trimmed as bytes: replies are ASCII, and this runs for every reply of every message.
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return length }
        // A conversation has a dozen replies; the caps only guard against a babbling server.
        if source.replyLines.count == 32 { source.replyLines.removeFirst() }
        source.replyLines.append(String(decoding: bytes[first...min(last, first + 511)], as: UTF8.self))
        return length
    }
}
