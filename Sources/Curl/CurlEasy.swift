import CCurl

/// The one place that touches libcurl's raw pointers: an easy handle, its error buffer and its
/// header list, freed together in `deinit`. Not thread-safe: use one handle from one thread at a time.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The lists set on the handle, by option: libcurl does not copy them.
    private var lists: [UInt32: UnsafeMutablePointer<curl_slist>] = [:]

    init() {
        CurlEasy.globalInit
        guard let handle = curl_easy_init() else {
            // curl_easy_init fails only when malloc does.
            fatalError("curl_easy_init returned NULL: out of memory")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try? set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // Signals and threads do not mix: never let libcurl use SIGALRM for timeouts.
        try? set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        freeLists()
        errorBuffer.deallocate()
    }

    /// `curl_global_init` must run once per process, before any other call.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(gazette_curl_setopt_long(handle, option, value), option: option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        // libcurl copies string options, so the temporary C string may go away after the call.
        try check(gazette_curl_setopt_string(handle, option, value), option: option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(gazette_curl_setopt_pointer(handle, option, pointer), option: option)
    }

    func set(_ option: CURLoption, callback: gazette_curl_data_callback?) throws {
        try check(gazette_curl_setopt_data_callback(handle, option, callback), option: option)
    }

    /// CURLOPT_PREREQFUNCTION (its data: CURLOPT_PREREQDATA).
    func set(prerequest callback: gazette_curl_prereq_callback?) throws {
        try check(gazette_curl_setopt_prereq_callback(handle, callback), option: CURLOPT_PREREQFUNCTION)
    }

    /// libcurl does not copy lists: this handle keeps each one until the same option is set
    /// again, or the handle is reset or freed.
    func set(_ option: CURLoption, list: [String]) throws {
        var head: UnsafeMutablePointer<curl_slist>? = nil
        for item in list {
            guard let appended = curl_slist_append(head, item) else {
                curl_slist_free_all(head)
                throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            head = appended
        }
        let code = gazette_curl_setopt_slist(handle, option, head)
        guard code == CURLE_OK else {
            curl_slist_free_all(head)
            try check(code, option: option)
            return
        }
        // The handle no longer points at the list it had for this option.
        if let replaced = lists.removeValue(forKey: option.rawValue) { curl_slist_free_all(replaced) }
        if let head { lists[option.rawValue] = head }
    }

    /// Runs the transfer; blocks the calling thread until it ends.
    func perform() -> CurlError? {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        guard code != CURLE_OK else { return nil }
        return CurlError(code: Int(code.rawValue), message: errorMessage(for: code))
    }

    /// The last reply code: HTTP status or SMTP reply; 0 when no reply was received.
    var responseCode: Int {
        var code = 0
        _ = gazette_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    var effectiveURL: String? {
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard gazette_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &pointer) == CURLE_OK, let pointer else {
            return nil
        }
        return String(cString: pointer)
    }

    /// Forgets every option (keeping live connections), so the handle can be reused.
    func reset() {
        curl_easy_reset(handle)
        freeLists()
        try? set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try? set(CURLOPT_NOSIGNAL, 1)
    }

    private func freeLists() {
        for list in lists.values { curl_slist_free_all(list) }
        lists = [:]
    }

    private func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    private func check(_ code: CURLcode, option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw CurlError(
                code: Int(code.rawValue),
                message: "setting option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))"
            )
        }
    }
}

/// A libcurl failure: its CURLcode and the most specific message libcurl gave.
public struct CurlError: Error, Hashable, CustomStringConvertible {
    public let code: Int
    public let message: String

    public var description: String { "\(message) (curl error \(code))" }

    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
}
