using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Tests.Oci;

/// <summary>
/// In .NET, <c>$</c> also matches before a final <c>\n</c>: every grammar must refuse a value that is
/// valid but for a trailing newline (or carriage return), so such a value never names a file, a row or an
/// upstream URL.
/// </summary>
public sealed class TrailingNewlineTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static TheoryData<string> Endings => new() { "\n", "\r\n", "\r" };

    [Theory]
    [MemberData(nameof(Endings))]
    public void RepositoryName_WithTrailingNewline_IsInvalid(string end)
    {
        Assert.True(RepositoryName.IsValid("site/evil"));
        Assert.False(RepositoryName.IsValid("site/evil" + end));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void Tag_WithTrailingNewline_IsInvalid(string end)
    {
        Assert.False(RepositoryName.IsValidTag("nl" + end));
        Assert.False(Reference.TryParse("latest" + end, out _));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void Digest_WithTrailingNewline_IsInvalid(string end)
    {
        Assert.False(Digest.TryParse($"sha256:{Hex}{end}", out _));
        Assert.False(Reference.TryParse($"sha256:{Hex}{end}", out _));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void MediaType_WithTrailingNewline_IsInvalid(string end) =>
        Assert.False(MediaTypes.IsValid("application/vnd.example+json" + end));

    [Theory]
    [MemberData(nameof(Endings))]
    public void UploadId_WithTrailingNewline_IsInvalid(string end)
    {
        Assert.False(DataLayout.IsUploadId(new string('a', 32) + end));
        Assert.False(DataLayout.IsUploadId(new string('a', 32 - end.Length) + end));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void PageQueryLast_WithTrailingNewline_IsInvalid(string end) =>
        Assert.False(PageQuery.IsValidLast("v1" + end));

    [Theory]
    [MemberData(nameof(Endings))]
    public void Router_NameWithTrailingNewline_IsNameInvalid(string end)
    {
        var router = new RepositoryRouter([("docker.io", Array.Empty<string>())]);
        Assert.IsType<NameInvalid>(Assert.Throws<FailureException>(() => router.Route("site/evil" + end, null)).Failure);
        Assert.IsType<NameInvalid>(Assert.Throws<FailureException>(() => router.Route("docker.io/library/app" + end, null)).Failure);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void ImageReference_WithTrailingNewline_IsInvalid(string end)
    {
        Assert.False(ImageReference.TryParse("nginx:1.27" + end, out _));
        Assert.False(ImageReference.TryParse("ghcr.io/owner/app" + end, out _));
        Assert.False(ImageReference.TryParse($"ghcr.io/owner/app@sha256:{Hex}{end}", out _));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void Glob_DoesNotMatchAValueWithATrailingNewline(string end)
    {
        Assert.False(Tag("1.27").IsMatch("1.27" + end));
        Assert.False(Tag("*-alpine").IsMatch("1.27-alpine" + end));
        Assert.True(Tag("1.*").IsMatch("1.27" + end)); // * stands for any characters, line ends included
        Assert.False(new PinMatcher(["docker.io/library/nginx:1.27"]).IsPinned("docker.io/library/nginx", ["1.27" + end]));
        Assert.False(new PinMatcher(["docker.io/library/nginx"]).IsPinned("docker.io/library/nginx" + end, []));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void PlatformFilter_WithTrailingNewline_IsInvalid(string end) =>
        Assert.False(PlatformFilter.IsValid("linux/arm64" + end));

    private static TagPattern Tag(string text) => TagPattern.TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException(error);
}
