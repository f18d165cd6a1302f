import Foundation
import Testing
import AWSWire

/// The inputs that used to end the server (Foundation's XMLParser trapped on invalid UTF-8 in a name and overflowed
/// the stack on deep nesting), and the bounds every request parser keeps.
@Suite struct ParserBoundsTests {
    @Test func invalidUTF8InANameIsRefused() {
        #expect(XMLElementNode.parse(Data("<Delete><Obj".utf8) + Data([0xFF]) + Data("ect><Key>k</Key></Obj".utf8) + Data([0xFF]) + Data("ect></Delete>".utf8)) == nil)
        #expect(XMLElementNode.parse(Data("<CompleteMultipartUpload><Part>".utf8) + Data([0xC3, 0x28]) + Data("</Part></CompleteMultipartUpload>".utf8)) == nil)
    }

    @Test func deepNestingIsRefusedWithoutRecursion() {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(XMLElementNode.parse(Data(deep.utf8)) == nil)
        let limits = XMLLimits(maxDepth: 4)
        #expect(XMLElementNode.parse(Data("<a><b><c><d/></c></b></a>".utf8), limits: limits) != nil)
        #expect(XMLElementNode.parse(Data("<a><b><c><d><e/></d></c></b></a>".utf8), limits: limits) == nil)
    }

    @Test func sizeAndElementCountAreBounded() {
        let many = "<D>" + String(repeating: "<O/>", count: 20) + "</D>"
        #expect(XMLElementNode.parse(Data(many.utf8), limits: XMLLimits(maxElements: 21)) != nil)
        #expect(XMLElementNode.parse(Data(many.utf8), limits: XMLLimits(maxElements: 20)) == nil)
        #expect(XMLElementNode.parse(Data(many.utf8), limits: XMLLimits(maxBytes: 10)) == nil)
    }

    @Test func entitiesAreNeverExpanded() {
        let external = """
            <?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\
            <Delete><Object><Key>&x;</Key></Object></Delete>
            """
        #expect(XMLElementNode.parse(Data(external.utf8)) == nil)
        #expect(XMLElementNode.parse(Data("<Delete><Object><Key>&x;</Key></Object></Delete>".utf8)) == nil)
    }

    @Test func whatClientsSendStillParses() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment --><s3:CompleteMultipartUpload xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">
              <s3:Part><s3:ETag>&quot;abc&quot;</s3:ETag><s3:PartNumber>1</s3:PartNumber></s3:Part>
              <s3:Part attr='x' other="y"><s3:ETag><![CDATA["d<e>f"]]></s3:ETag><s3:PartNumber>2</s3:PartNumber></s3:Part>
            </s3:CompleteMultipartUpload>
            """
        let root = try #require(XMLElementNode.parse(Data(document.utf8)))
        let parts = try #require(CompletedParts.decode(root))
        #expect(parts.map(\.number) == [1, 2])
        #expect(parts.map(\.etag) == ["\"abc\"", "\"d<e>f\""])
        let keys = try #require(XMLElementNode.parse(Data("<Delete><Object><Key>a&#x1F600;&#233; b\r\nc</Key></Object></Delete>".utf8)))
        #expect(keys.child("Object")?["Key"] == "a😀é b\nc")
    }

    @Test func malformedMarkupIsRefused() {
        for bad in ["<a>", "<a></b>", "<a b></a>", "<a b=c></a>", "<a>&#0;</a>", "<a>&#xD800;</a>", "<1a/>", "<a/><b/>", "text", "<a>x</a>y"] {
            #expect(XMLElementNode.parse(Data(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func jsonNestingIsBoundedBeforeDecoding() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONNesting.TooDeep.self) { try JSONValue.decode(Data(deep.utf8)) }
        let fine = String(repeating: "{\"a\":", count: JSONNesting.maxDepth - 1) + "[]" + String(repeating: "}", count: JSONNesting.maxDepth - 1)
        _ = try JSONValue.decode(Data(fine.utf8))
        // Brackets inside strings are text, not nesting.
        #expect(JSONNesting.depth(of: Array("{\"k\":\"[[[[\\\"[[[\"}".utf8)) == 1)
    }

    @Test func queryParametersAreBounded() throws {
        let parameters = try QueryProtocol.parameters(query: "Action=GetCallerIdentity", body: "Version=2011-06-15&A.member.1.B=x+y")
        #expect(parameters == ["Action": "GetCallerIdentity", "Version": "2011-06-15", "A.member.1.B": "x y"])
        let dotted = String(repeating: "a.", count: 100_000) + "b=1"
        #expect(throws: AWSError.self) { try QueryProtocol.parameters(query: "", body: dotted[...]) }
        let many = (0...QueryProtocol.maxParameters).map { "p\($0)=1" }.joined(separator: "&")
        #expect(throws: AWSError.self) { try QueryProtocol.parameters(query: "", body: many[...]) }
    }
}
