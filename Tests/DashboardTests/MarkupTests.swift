import Testing
@testable import Dashboard

/// Whatever a job, a log line or an object key holds reaches the page as text, never as markup.
@Suite struct MarkupTests {
    @Test func interpolatedStringsAreEscapedAndMarkupIsNot() {
        let name = "<script>alert('x')</script> & \"quotes\""
        let inner: Markup = "<b>\(name)</b>"
        let page: Markup = "<p title=\"\(name)\">\(inner)</p>"
        #expect(
            page.html
                == "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;\"><b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</b></p>"
        )
    }

    @Test func linksEncodeNamesAndKeys() {
        #expect(Links.job("a b/c") == "/_sagebox/ui/jobs/a%20b%2Fc")
        #expect(Links.object("bkt", key: "dir/ä x&y.txt") == "/_sagebox/ui/buckets/bkt/object?key=dir/%C3%A4%20x%26y.txt")
        #expect(Links.s3("s3://bkt/output/job/output/model.tar.gz") == "/_sagebox/ui/buckets/bkt?prefix=output/job/output/model.tar.gz")
        #expect(Links.s3("s3://bkt") == "/_sagebox/ui/buckets/bkt")
        #expect(Links.s3("file:///tmp") == nil)
    }

    @Test func queryParametersDecodeAsFormsEncodeThem() {
        #expect(Dashboard.queryParameters("prefix=a+b%2Fc&after=") == ["prefix": "a b/c", "after": ""])
    }
}
