import CCurl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place that touches libcurl's raw pointers: an easy handle, its error buffer and its
/// header list, freed together in `deinit`. Not thread-safe: use one handle from one thread at a time.
final class CurlEasy {
    private let curl: UnsafePointer<gazette_curl_library>
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The lists set on the handle, by option: libcurl does not copy them.
    private var lists: [UInt32: UnsafeMutablePointer<curl_slist>] = [:]

    /// Fails only when libcurl cannot be loaded.
    init() throws(CurlError) {
        curl = try LibCurl.opened.get()
        guard let handle = curl.pointee.easy_init() else {
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
        curl.pointee.easy_cleanup(handle)
        freeLists()
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(gazette_curl_setopt_long(curl, handle, option, value), option: option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        // libcurl copies string options, so the temporary C string may go away after the call.
        try check(gazette_curl_setopt_string(curl, handle, option, value), option: option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(gazette_curl_setopt_pointer(curl, handle, option, pointer), option: option)
    }

    func set(_ option: CURLoption, callback: gazette_curl_data_callback?) throws {
        try check(gazette_curl_setopt_data_callback(curl, handle, option, callback), option: option)
    }

    /// CURLOPT_PREREQFUNCTION (its data: CURLOPT_PREREQDATA).
    func set(prerequest callback: gazette_curl_prereq_callback?) throws {
        try check(gazette_curl_setopt_prereq_callback(curl, handle, callback), option: CURLOPT_PREREQFUNCTION)
    }

    /// libcurl does not copy lists: this handle keeps each one until the same option is set
    /// again, or the handle is reset or freed.
    func set(_ option: CURLoption, list: [String]) throws {
        var head: UnsafeMutablePointer<curl_slist>? = nil
        for item in list {
            guard let appended = curl.pointee.slist_append(head, item) else {
                curl.pointee.slist_free_all(head)
                throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            head = appended
        }
        let code = gazette_curl_setopt_slist(curl, handle, option, head)
        guard code == CURLE_OK else {
            curl.pointee.slist_free_all(head)
            try check(code, option: option)
            return
        }
        // The handle no longer points at the list it had for this option.
        if let replaced = lists.removeValue(forKey: option.rawValue) { curl.pointee.slist_free_all(replaced) }
        if let head { lists[option.rawValue] = head }
    }

    /// Runs the transfer; blocks the calling thread until it ends.
    func perform() -> CurlError? {
        errorBuffer[0] = 0
        let code = curl.pointee.easy_perform(handle)
        guard code != CURLE_OK else { return nil }
        return CurlError(code: Int(code.rawValue), message: errorMessage(for: code))
    }

    /// The last reply code: HTTP status or SMTP reply; 0 when no reply was received.
    var responseCode: Int {
        var code = 0
        _ = gazette_curl_getinfo_long(curl, handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    var effectiveURL: String? {
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard gazette_curl_getinfo_string(curl, handle, CURLINFO_EFFECTIVE_URL, &pointer) == CURLE_OK, let pointer
        else {
            return nil
        }
        return String(cString: pointer)
    }

    /// Forgets every option (keeping live connections), so the handle can be reused.
    func reset() {
        curl.pointee.easy_reset(handle)
        freeLists()
        try? set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try? set(CURLOPT_NOSIGNAL, 1)
    }

    private func freeLists() {
        for list in lists.values { curl.pointee.slist_free_all(list) }
        lists = [:]
    }

    private func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? curl.pointee.message(code) : detail
    }

    private func check(_ code: CURLcode, option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw CurlError(
                code: Int(code.rawValue),
                message: "setting option \(option.rawValue): \(curl.pointee.message(code))"
            )
        }
    }
}

/// libcurl, opened and initialized on first use: see `Sources/CCurl/shim.h` for why it is not linked.
enum LibCurl {
    /// Its functions, or why they cannot be had: the library is missing, lacks one of them, or
    /// failed to initialize. (Unsafe only to the compiler: a table of C function pointers,
    /// written once by this initializer and only read after.)
    nonisolated(unsafe) static let opened: Result<UnsafePointer<gazette_curl_library>, CurlError> = open(
        GAZETTE_CURL_SONAME
    )

    /// Opens the library of that name (tests give others) and initializes it.
    static func open(_ soname: String) -> Result<UnsafePointer<gazette_curl_library>, CurlError> {
        func failure(_ message: String) -> Result<UnsafePointer<gazette_curl_library>, CurlError> {
            .failure(CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: message))
        }
        // Local: libcurl's symbols stay out of the global scope; they are reached only through
        // the table.
        guard let library = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? soname
            return failure("cannot load libcurl (Debian and Ubuntu: apt-get install libcurl4): \(reason)")
        }
        // Lives as long as the process, like the library. `gazette_curl_resolve` fills in every
        // pointer, or the table is dropped.
        let functions = UnsafeMutablePointer<gazette_curl_library>.allocate(capacity: 1)
        if let missing = gazette_curl_resolve(library, functions) {
            functions.deallocate()
            dlclose(library)
            return failure("\(soname) has no \(String(cString: missing)): it is not libcurl")
        }
        // curl_global_init must run once per process, before any other call.
        let code = functions.pointee.global_init(Int(CURL_GLOBAL_ALL))
        guard code == CURLE_OK else {
            return failure("curl_global_init: \(functions.pointee.message(code))")
        }
        return .success(UnsafePointer(functions))
    }
}

extension gazette_curl_library {
    /// libcurl's message for a code.
    func message(_ code: CURLcode) -> String {
        easy_strerror(code).map { String(cString: $0) } ?? "unknown error"
    }
}

/// A libcurl failure: its CURLcode and the most specific message libcurl gave.
public struct CurlError: Error, Hashable, CustomStringConvertible {
    public let code: Int
    public let message: String

    public var description: String { "\(message) (curl error \(code))" }

    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
}
