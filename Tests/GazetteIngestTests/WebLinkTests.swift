import Foundation
import Testing

@testable import GazetteIngest

/// `WebLink.resolved` joins strings where URL would parse and resolve: it must give URL's
/// answer every time it gives one.
@Suite("Relative links")
struct WebLinkTests {
    static let bases = [
        "https://www.macworld.com/article/3144990/hardware/cyber-monday.html",
        "https://example.org/a/b/c?x=1#top", "https://example.org/a/b/", "https://example.org",
        "http://example.org:8080/dir/page", "https://example.org/?q", "https://example.org#f",
        "https://example.org/a/./b", "HTTPS://example.org/a/b", "https://example.org/%7Euser/x",
    ]
    static let references = [
        "#fnr1-2017-01-01", "?page=2", "?page=2#x", "/article/3144990/x.html", "/", "/a/b?c=d#e",
        "skins/default/filetype/jpg.gif", "x", "x/y/", "x?y", "x#y", "../up", "./here", "a/../b", "a/.", "..",
        "//other.org/x", "mailto:a@b.c", "a:b/c", "", "sp ace", "é", "%41%42", "%4", "a#b#c", "?", "#",
        "~user/x", "a;b=c", "(paren)", "a@b", "!$&'()*+,;=",
    ]

    @Test("every resolution it makes is URL's, and the common ones it makes")
    func sameAsFoundation() {
        var joined = 0
        for base in Self.bases {
            for reference in Self.references {
                guard let fast = WebLink.resolved(reference, against: base) else { continue }
                joined += 1
                let foundation = URL(string: reference, relativeTo: URL(string: base))?.absoluteURL.absoluteString
                #expect(fast == foundation, "\(reference) against \(base)")
            }
        }
        #expect(joined >= 150, "only \(joined) joined")
        // The forms feeds use, joined without URL.
        let base = "https://www.macworld.com/article/3144990/hardware/cyber-monday.html"
        #expect(WebLink.resolved("#bkav", against: base) == base + "#bkav")
        #expect(WebLink.resolved("/misc/x", against: base) == "https://www.macworld.com/misc/x")
        #expect(
            WebLink.resolved("img.gif", against: base) == "https://www.macworld.com/article/3144990/hardware/img.gif"
        )
    }

    @Test("dot segments, other hosts and schemes, and bytes a plain link lacks are left to URL")
    func leftToFoundation() {
        let base = "https://example.org/a/b/c"
        for reference in ["../up", "./here", "a/../b", "..", "//other.org/x", "mailto:a@b.c", "a:b", "", "sp ace", "é"]
        {
            #expect(WebLink.resolved(reference, against: base) == nil, "\(reference)")
        }
        #expect(WebLink.resolved("x", against: "https://example.org/a/./b") == nil)
        #expect(WebLink.resolved("x", against: "HTTPS://example.org/a") == nil)
        #expect(WebLink.resolved("x", against: "ftp://example.org/a") == nil)
    }
}
