using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class LinkHeaderTests
{
    [Theory]
    [InlineData("</v2/app/tags/list?n=2&last=b>; rel=\"next\"", "/v2/app/tags/list?n=2&last=b")]
    [InlineData("</v2/app/tags/list?last=b&n=2>;rel=next", "/v2/app/tags/list?last=b&n=2")]
    [InlineData("<https://r.example/v2/app/tags/list?last=b>; title=\"a;b,c\"; rel=\"next\"", "https://r.example/v2/app/tags/list?last=b")]
    [InlineData("</p1>; rel=\"prev\", </p3>; rel=\"next\"", "/p3")]
    [InlineData("</a,b>; rel=\"prev next\"", "/a,b")]
    [InlineData("</x>; REL=NEXT", "/x")]
    public void FindNext_ReturnsTheTargetOfTheNextLink(string header, string target) =>
        Assert.Equal(target, LinkHeader.FindNext(header));

    [Theory]
    [InlineData("</p1>; rel=\"prev\"")]
    [InlineData("</p1>")]
    [InlineData("rel=\"next\"")]
    [InlineData("garbage </p1>; rel=next")]
    [InlineData("</p1; rel=next")]
    [InlineData("")]
    public void FindNext_WithoutAWellFormedNextLink_IsNull(string header) =>
        Assert.Null(LinkHeader.FindNext(header));

    [Fact]
    public void FindNext_LooksAcrossHeaderValues() =>
        Assert.Equal("/p2", LinkHeader.FindNext(["</p0>; rel=prev", "</p2>; rel=next"]));

    [Fact]
    public void Next_IsWhatFindNextReads() =>
        Assert.Equal("/v2/app/tags/list?n=1&last=a", LinkHeader.FindNext(LinkHeader.Next("/v2/app/tags/list?n=1&last=a")));
}

public sealed class PageQueryTests
{
    [Theory]
    [InlineData("/v2/library/app/tags/list?n=50&last=v1.2", 50, "v1.2")]
    [InlineData("https://elsewhere.example/v2/other/tags/list?last=v1.2&evil=..%2F..", null, "v1.2")]
    [InlineData("/v2/app/referrers/sha256:aa?last=sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", null,
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void TryFromLinkTarget_KeepsOnlyNAndLast(string target, int? n, string last)
    {
        Assert.True(PageQuery.TryFromLinkTarget(target, out var page));
        Assert.Equal(new PageQuery(n, last), page);
    }

    [Theory]
    [InlineData("/v2/app/tags/list")]
    [InlineData("/v2/app/tags/list?n=5")]
    [InlineData("/v2/app/tags/list?last=..%2F..%2F_catalog")]
    [InlineData("/v2/app/tags/list?n=-1&last=a")]
    [InlineData("/v2/app/tags/list?n=ten&last=a")]
    public void TryFromLinkTarget_WithoutAUsablePage_IsFalse(string target) =>
        Assert.False(PageQuery.TryFromLinkTarget(target, out _));

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("10", "latest", true)]
    [InlineData("", "", true)]
    [InlineData("1e3", null, false)]
    [InlineData(" 10", null, false)]
    [InlineData(null, "a b", false)]
    [InlineData(null, "x&y=z", false)]
    public void TryParse_ChecksTheGrammar(string? n, string? last, bool valid) =>
        Assert.Equal(valid, PageQuery.TryParse(n, last, out _));
}
