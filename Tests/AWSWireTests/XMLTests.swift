import Foundation
import Testing
import AWSWire

@Suite struct XMLTests {
    @Test func writerEscapesMarkupAndControlCharacters() {
        var w = XMLWriter(declaration: false)
        w.element("Key", "a<b>&\"c'\n\u{1}")
        #expect(w.text == "<Key>a&lt;b&gt;&amp;&quot;c&apos;&#10;&#1;</Key>")
    }

    @Test func writtenDocumentsParseBack() throws {
        var w = XMLWriter()
        w.element("Delete", xmlns: "http://s3.amazonaws.com/doc/2006-03-01/") { w in
            w.element("Quiet", true)
            for key in ["a&b", "c\nd", "ünï"] {
                w.element("Object") { $0.element("Key", key) }
            }
        }
        let root = try #require(XMLElementNode.parse(Data(w.text.utf8)))
        #expect(root.name == "Delete")
        #expect(root["Quiet"] == "true")
        #expect(root.children("Object").map { $0["Key"] } == ["a&b", "c\nd", "ünï"])
    }

    @Test func malformedDocumentsAreRejected() {
        #expect(XMLElementNode.parse(Data("<Delete><Object></Delete>".utf8)) == nil)
        #expect(XMLElementNode.parse(Data("".utf8)) == nil)
    }

    @Test func percentEncodingRoundTripsKeys() {
        for key in ["a b+c", "100%", "dir/ünï/x", "a//b/../c"] {
            let encoded = PercentEncoding.encode(key, keepSlash: true)
            #expect(!encoded.contains(" ") && !encoded.contains("+"))
            #expect(PercentEncoding.decode(encoded) == key)
        }
        #expect(PercentEncoding.decode("a+b", plusIsSpace: true) == "a b")
        #expect(PercentEncoding.decode("a+b") == "a+b")
        #expect(PercentEncoding.decode("%zz") == nil)
    }

    @Test func httpDatesRoundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_255_369_800)
        #expect(AWSDate.http(date) == "Mon, 12 Oct 2009 17:50:00 GMT")
        #expect(AWSDate.iso8601(date) == "2009-10-12T17:50:00.000Z")
        #expect(AWSDate.parseHTTP("Mon, 12 Oct 2009 17:50:00 GMT") == date)
        #expect(AWSDate.parseAmz("20091012T175000Z") == date)
    }
}
