import CCurl
import Testing

@testable import Curl

/// libcurl is opened on first use, not linked: what a machine without it gets instead of a
/// process that cannot start.
@Suite("libcurl loading")
struct CurlLibraryTests {
    @Test("a missing library is a clear error naming it, with the package that brings it")
    func missingLibrary() throws {
        let error = try #require(failure(of: LibCurl.open("libgazette-absent.so.4")))
        #expect(error.message.contains("cannot load libcurl"), "\(error)")
        #expect(error.message.contains("libcurl4"), "\(error)")
        #expect(error.message.contains("libgazette-absent.so.4"), "\(error)")
    }

    @Test("a library that is not libcurl is refused, naming the first function it lacks")
    func notLibcurl() throws {
        let error = try #require(failure(of: LibCurl.open("libz.so.1")))
        #expect(error.message == "libz.so.1 has no curl_global_init: it is not libcurl", "\(error)")
    }

    @Test("the installed libcurl opens, and its table answers")
    func installed() throws {
        let curl = try LibCurl.opened.get()
        #expect(curl.pointee.message(CURLE_OK) == "No error")
        let handle = try #require(curl.pointee.easy_init())
        curl.pointee.easy_cleanup(handle)
    }

    private func failure(of result: Result<UnsafePointer<gazette_curl_library>, CurlError>) -> CurlError? {
        if case .failure(let error) = result { return error }
        return nil
    }
}
