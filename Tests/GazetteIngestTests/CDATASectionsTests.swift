import Foundation
import TestSupport
import Testing

@testable import GazetteIngest

/// Taking the CDATA sections out before libxml2 reads a feed must change nothing it gives.
@Suite("CDATA sections")
struct CDATASectionsTests {
    /// The feed parsed both ways, and whether sections were taken out.
    static func compare(_ xml: String) -> (takenOut: Bool, same: Bool) { compare(Data(xml.utf8)) }

    /// `takenOut`: whether the tree is the one read with sections taken out (a document whose
    /// sections came out but that libxml2 then found not well-formed is read again whole).
    static func compare(_ bytes: Data) -> (takenOut: Bool, same: Bool) {
        let takenOut = (try? XMLDocument(bytes: FeedBytes.prepare(bytes), takesOutCDATA: true))?.readsSections == true
        let fast = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: true) }
        let plain = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: false) }
        return (takenOut, fast == plain)
    }

    static func rss(_ items: String, prolog: String = "<?xml version=\"1.0\" encoding=\"utf-8\"?>") -> String {
        prolog + "<rss version=\"2.0\"><channel><title>T</title>" + items + "</channel></rss>"
    }

    @Test(
        "sections are taken out and put back, as libxml2 reads them",
        arguments: [
            "<item><title><![CDATA[A & B <i>c</i>]]></title><description><![CDATA[<p>one\ntwo\n</p>]]></description></item>",
            "<item><title>before <![CDATA[<b>x</b>]]> after &amp; <![CDATA[]]>y</title></item>",
            "<item><description><![CDATA[a]]]]><![CDATA[>b]]></description></item>",
            "<item><title x=\"a > b ]]\">t</title><!-- <![CDATA[ --><description><![CDATA[é 中文 \u{1F600}]]></description></item>",
            "<item><description><![CDATA[\n\n\nlines\n]]>\n</description></item><item><title>next</title></item>",
        ]
    )
    func takenOut(_ items: String) {
        let (takenOut, same) = Self.compare(Self.rss(items))
        #expect(takenOut)
        #expect(same)
    }

    @Test(
        "documents or sections libxml2 reads its own way stay as they are, with the same result",
        arguments: [
            rss("<item><title><![CDATA[a\u{1}b]]></title></item>"),
            rss("<item><title><![CDATA[a\r\nb]]></title></item>"),
            rss("<item><title><![CDATA[a\u{FFFE}b]]></title></item>"),
            // U+FDD0 (which a Swift literal cannot hold): the document could hold a marker already.
            rss(
                "<item><title>\(Character(Unicode.Scalar(0xFDD0)!))</title><description><![CDATA[x]]></description></item>"
            ),
            rss("<item><title><![CDATA[unclosed</title></item>"),
            "<!DOCTYPE rss><rss version=\"2.0\"><channel><item><title><![CDATA[x]]></title></item></channel></rss>",
            "<![CDATA[x]]><rss version=\"2.0\"><channel/></rss>",
        ]
    )
    func leftInPlace(_ xml: String) {
        let (takenOut, same) = Self.compare(xml)
        #expect(!takenOut)
        #expect(same)
    }

    @Test(
        "text between tags that holds non-ASCII characters is taken out like a section",
        arguments: [
            "<item><title>Así se anunció tras un encuentro entre el presidente</title></item>",
            "<item><description>Москва — the text goes on\nover lines <![CDATA[<b>and a section</b>]]> él y ella después</description></item>",
            "<item><title>short</title><description>中文的文字很长，没有空格，也没有结束的标点符号</description></item>",
        ]
    )
    func textTakenOut(_ items: String) {
        #expect(Self.compare(Self.rss(items)) == (true, true))
    }

    @Test(
        "text with references is taken out, decoded as libxml2 decodes them",
        arguments: [
            "<item><description>&lt;p&gt;Escaped &amp; &quot;quoted&quot; &apos;HTML&apos;&lt;/p&gt;</description></item>",
            "<item><description>numbers: &#65;&#x42;&#x43; &#xe9;&#233; &#x1F600; &#10;&#13;&#9; and more text</description></item>",
            "<item><description>]]&gt; is fine escaped, and so is ] alone ]] twice</description></item>",
        ]
    )
    func referencesTakenOut(_ items: String) {
        #expect(Self.compare(Self.rss(items)) == (true, true))
    }

    @Test("a media URL with references is taken out, and read back decoded")
    func mediaURL() throws {
        let media = "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>T</title>"
        let url = "https://i.guim.co.uk/img/media/3000.jpg?w=140&amp;q=55&amp;auto=format&amp;fit=max"
        let xml = media + "<item><title>t</title><media:content width=\"140\" url=\"\(url)\"/></item></channel></rss>"
        #expect(Self.compare(xml) == (true, true))
        let item = try #require(try FeedParser.parse(Data(xml.utf8)).items.first)
        #expect(item.imageURL == "https://i.guim.co.uk/img/media/3000.jpg?w=140&q=55&auto=format&fit=max")
        // Not `url`, a blank libxml2 would turn into a space, U+FFFE (which libxml2 refuses), or
        // a value too short: left in place.
        for attributes in [
            "href=\"\(url)\"", "xurl=\"\(url)\"", "url=\"\(url)&#10;\n\"", "url=\"https://a.b/?q&amp;x\"",
            "url=\"\(url)\u{FFFE}\"",
        ] {
            let other = media + "<item><title>t</title><media:content \(attributes)/></item></channel></rss>"
            #expect(Self.compare(other) == (false, true), "\(attributes)")
        }
        // In XHTML content (where no element has a `url`, but a feed could), serialized as libxml2 does.
        let xhtml = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id><title>E</title>\
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p url='\(url)'>x</p></div>\
            </content></entry></feed>
            """
        #expect(Self.compare(xhtml) == (true, true))
    }

    @Test("references are decoded to the characters libxml2 makes of them")
    func decodedReferences() throws {
        let xml = Self.rss(
            "<item><title>a &lt;b&gt; &amp;amp; &#x1F600;&#233; &quot;&apos; end of the title</title></item>"
        )
        let title = try #require(try FeedParser.parse(Data(xml.utf8)).items.first?.title)
        #expect(title == "a <b> &amp; \u{1F600}é \"' end of the title")
    }

    @Test("the decoder refuses what libxml2 would not decode, for libxml2 to report (FeedBytes maps most first)")
    func refusedReferences() {
        let decode = { (text: String) in
            Array(text.utf8).withUnsafeBufferPointer { CDATASections.decodingReferences($0) }
        }
        #expect(decode("a &lt; b &#x41;&#66; &amp;&quot;&apos;&gt;") == Array("a < b AB &\"'>".utf8))
        for text in [
            "&eacute;", "&#X41;", "&#0;", "&#xFFFE;", "&#xD800;", "&#x110000;", "&amp no semicolon", "&#0000000065;",
            "&#xFDD0;", "&#;", "&#x;", "&;", "&LT;",
        ] {
            #expect(decode(text) == nil, "\(text)")
        }
    }

    @Test(
        "text libxml2 reads its own way stays in place, with the same result",
        arguments: [
            "<item><title>An upper-case hexadecimal reference &#X41; in the text</title></item>",
            "<item><title>A reference with leading zeros &#0000000065; in the text</title></item>",
            "<item><title>Así se anunció ]]> tras un encuentro entre el presidente</title></item>",
            "<item><title>Así se anunció\r\ntras un encuentro entre el presidente</title></item>",
            "<item><title>Así se anunció \u{1} tras un encuentro entre el presidente</title></item>",
            "<item><title>Así, corto</title></item>",
            "<item><title>Plain ASCII text that goes on for longer than the minimum</title></item>",
        ]
    )
    func textLeftInPlace(_ items: String) {
        #expect(Self.compare(Self.rss(items)) == (false, true))
    }

    @Test("XHTML content keeps its text and the spaces between its elements")
    func xhtmlText() throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom">
              <title>T</title>
              <entry>
                <id>1</id><title>E</title>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Así se anunció tras un encuentro</b> <i>entre el presidente</i></div></content>
              </entry>
            </feed>
            """
        #expect(Self.compare(xml) == (true, true))
        let content = try #require(try FeedParser.parse(Data(xml.utf8)).items.first?.contentHTML)
        #expect(content.contains("</b> <i>"))
    }

    @Test("whitespace between a feed's own elements makes no text, whitespace inside an item's text stays")
    func whitespace() throws {
        let xml = Self.rss(
            """

              <item>
                <title>  <b>bold</b> <i>italic</i>  </title>
                <description>   </description>
              </item>

            """
        )
        let item = try #require(try FeedParser.parse(Data(xml.utf8)).items.first)
        #expect(item.title == "  bold italic  ")
        #expect(item.summaryHTML == "   ")
        // The item's own text is its children's: no line feeds and indentation between them.
        let document = try XMLDocument(bytes: Data(xml.utf8))
        withExtendedLifetime(document) {
            let item = document.root?.firstChild("channel", in: nil)?.firstChild("item", in: nil)
            #expect(item?.text == "  bold italic     ")
        }
    }

    @Test("an entry inside Atom content is not the feed's: the whitespace between its children stays")
    func embeddedEntry() throws {
        let atom = FeedParser.atomNS
        let xml = """
            <feed xmlns="\(atom)"><title>T</title><entry><id>1</id><title>E</title>\
            <content type="application/atom+xml"><entry>
              <title>inner</title>
            </entry></content></entry></feed>
            """
        let document = try XMLDocument(bytes: Data(xml.utf8))
        withExtendedLifetime(document) {
            let entry = document.root?.firstChild("entry", in: atom)
            #expect(entry?.firstChild("content", in: atom)?.firstChild("entry", in: atom)?.text == "\n  inner\n")
            #expect(entry?.text == "1E\n  inner\n")
        }
    }

    @Test(
        "a document in a declared legacy encoding is converted as libxml2 converts it, and its sections come out",
        arguments: [
            ("iso-8859-1", [0x41, 0xE9, 0x74, 0xE9] as [UInt8]),  // AÉtÉ: "Aété"
            ("windows-1251", [0xCC, 0xEE, 0xF1, 0xEA, 0xE2, 0xE0]),  // "Москва"
            ("gb2312", [0xD6, 0xD0, 0xCE, 0xC4]),  // "中文"
        ]
    )
    func legacyEncoding(_ encoding: String, _ word: [UInt8]) throws {
        let text = Array(repeating: word + [0x20], count: 8).joined()
        let head =
            "<?xml version=\"1.0\" encoding=\"\(encoding)\"?><rss version=\"2.0\"><channel><title>T</title><item><title>"
        let tail = "</title><description><![CDATA[<p>x</p>]]></description></item></channel></rss>"
        let bytes = Data(head.utf8) + Data(text) + Data(tail.utf8)
        #expect(DeclaredEncoding.convertedToUTF8(bytes) != nil)
        #expect(Self.compare(bytes) == (true, true))
        let title = try #require(try FeedParser.parse(bytes).items.first?.title)
        #expect(!title.contains("\u{FFFD}"))
        #expect(title.unicodeScalars.contains { $0.value >= 0x80 })
    }

    @Test("a declaration libxml2 would not read as one, or a name it would refuse, leaves the document as it is")
    func legacyDeclarations() {
        let body = "<rss version=\"2.0\"><channel><title>caf\u{E9}</title></channel></rss>"
        for prolog in [
            "<?xml-stylesheet href=\"s.xsl\" encoding=\"windows-1252\"?>",
            "<?xml version=\"1.0\" encoding=\"\u{212A}OI8-R\"?>",  // a Kelvin sign, lower-cased to k
            "<?xml version=\"1.0\" encoding=\"iso-8859-1 \"?>",
            "<?xml encoding=\"iso-8859-1\"?>",
            "<?xmlversion=\"1.0\" encoding=\"iso-8859-1\"?>",
            "<?xml version=\"1.0\"encoding=\"iso-8859-1\"?>",
        ] {
            let bytes = Data((prolog + body).utf8)
            #expect(DeclaredEncoding.convertedToUTF8(bytes) == nil, "\(prolog)")
            #expect(Self.compare(bytes).same, "\(prolog)")
        }
        let declared = Data(("<?xml version='1.0' encoding='ISO-8859-1'?>" + body).utf8)
        #expect(DeclaredEncoding.convertedToUTF8(declared) != nil)
    }

    @Test("bytes the declared encoding does not have leave the document to libxml2, with the same result")
    func legacyEncodingErrors() {
        // 0xFF 0xFF is no GB2312 character; US-ASCII has no 0xE9.
        for (encoding, bad) in [("gb2312", [0xFF, 0xFF] as [UInt8]), ("us-ascii", [0xE9])] {
            let head = "<?xml version=\"1.0\" encoding=\"\(encoding)\"?><rss version=\"2.0\"><channel><title>"
            let bytes =
                Data(head.utf8) + Data(bad)
                + Data("</title><item><title><![CDATA[x]]></title></item></channel></rss>".utf8)
            #expect(DeclaredEncoding.convertedToUTF8(bytes) == nil, "\(encoding)")
            #expect(Self.compare(bytes).same, "\(encoding)")
        }
    }

    @Test("what could pass for a marker, or be read in another encoding, keeps the document whole (from a review)")
    func lookalikes() {
        // A character reference to U+FDD0 puts a marker's first character in a text.
        for reference in ["&#xFDD0;", "&#x0fdd0;", "&#64976;", "&#64977;"] {
            let forged = Self.rss(
                "<item><title>\(reference)0&#xFDD1;</title><description><![CDATA[secret]]></description></item>"
            )
            #expect(Self.compare(forged) == (false, true), "\(reference)")
        }
        // UTF-16LE without a byte-order mark, whose code units read as `<![CDATA[A]]>` byte by byte.
        let utf16 =
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>"
            + "\u{213C}\u{435B}\u{4144}\u{4154}\u{415B}\u{5D5D}\u{413E}</title></channel></rss>"
        let bytes = Data(utf16.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(CDATASections.extract(from: FeedBytes.prepare(bytes)) == nil)
        let fast = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: true) }
        let plain = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: false) }
        #expect(fast == plain)
        // Declarations the byte scan does not read as libxml2 does: a tab before `=`, or `>` far away.
        let tab = "<?xml version=\"1.0\" encoding\t=\"ISO-8859-1\"?>"
        let far = "<?xml version=\"1.0\"" + String(repeating: " ", count: 300) + " encoding=\"ISO-8859-1\"?>"
        for prolog in [tab, far] {
            #expect(Self.compare(Self.rss("<item><title><![CDATA[x]]></title></item>", prolog: prolog)).same)
        }
    }

    @Test("near libxml2's 10 MB text node limit, the document is read as it came")
    func hugeTextNode() {
        let items =
            "<item><title>t</title><description>" + String(repeating: "a", count: 9_500_000) + "<![CDATA["
            + String(repeating: "b", count: 600_000) + "]]></description></item>"
        #expect(Self.compare(Self.rss(items)) == (false, true))
    }

    @Test("a broken document is read again as it came, with libxml2's own error and recovery")
    func brokenDocument() {
        let xml = Self.rss("<item><title><![CDATA[x]]></title><description>a < b</description></item>")
        #expect(CDATASections.extract(from: Data(xml.utf8)) != nil)
        #expect(Self.compare(xml) == (false, true))
        let feed = try? FeedParser.parse(Data(xml.utf8))
        #expect(feed?.warning != nil)
    }

    @Test("XHTML content with a section inside is serialized as libxml2 serializes it")
    func xhtml() {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id><title>E</title>\
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>a <![CDATA[<b>&</b>]]> z</p></div>\
            </content></entry></feed>
            """
        #expect(Self.compare(xml) == (true, true))
    }

    @Test(
        "the real feeds and feedparser's corpus parse the same either way",
        .enabled(if: Paths.hasSharedData, "needs ../shared/data, which only CI and developers have")
    )
    func corpora() throws {
        var takenOut = 0
        var differing: [String] = []
        for folder in ["real-feeds", "feedparser-tests"] {
            let root = Paths.sharedData.appendingPathComponent(folder)
            for case let file as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! {
                guard let bytes = try? Data(contentsOf: file) else { continue }
                if CDATASections.extract(from: FeedBytes.prepare(bytes)) != nil { takenOut += 1 }
                let fast = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: true) }
                let plain = Result { () throws(FeedParseError) in try FeedParser.parse(bytes, takesOutCDATA: false) }
                if fast != plain { differing.append(file.lastPathComponent) }
            }
        }
        #expect(differing.isEmpty, "parsed differently: \(differing.prefix(10))")
        #expect(takenOut >= 40, "only \(takenOut) documents had sections taken out")
    }
}
