using OciCache.Http;

namespace OciCache.Tests.Http;

public sealed class RangeTests
{
    [Theory]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=5-", 5, 95)]
    [InlineData("bytes=90-200", 90, 10)]
    [InlineData("bytes=-10", 90, 10)]
    [InlineData("bytes=-1000", 0, 100)]
    [InlineData("BYTES=1-2", 1, 2)]
    public void ByteRange_Partial(string header, long start, long length)
    {
        Assert.Equal(ByteRange.Outcome.Partial, ByteRange.TryParse(header, 100, out var range));
        Assert.Equal(new ByteRange(start, length), range);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,5-6")]
    [InlineData("bytes=5-1")]
    [InlineData("bytes=x-")]
    public void ByteRange_IgnoredHeaders_MeanWholeBlob(string? header) =>
        Assert.Equal(ByteRange.Outcome.Whole, ByteRange.TryParse(header, 100, out _));

    [Theory]
    [InlineData("bytes=100-")]
    [InlineData("bytes=-0")]
    public void ByteRange_OutsideBlob_Unsatisfiable(string header) =>
        Assert.Equal(ByteRange.Outcome.Unsatisfiable, ByteRange.TryParse(header, 100, out _));

    [Theory]
    [InlineData("0-99", 0, 99)]
    [InlineData("100-199", 100, 199)]
    [InlineData("bytes 100-199/1000", 100, 199)]
    [InlineData("bytes=100-199", 100, 199)]
    public void ContentRange_Parses(string header, long start, long end)
    {
        Assert.True(ContentRange.TryParseStart(header, out var s, out var e));
        Assert.Equal((start, end), (s, e));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("9-1")]
    [InlineData("-1-5")]
    public void ContentRange_Rejects(string header) => Assert.False(ContentRange.TryParseStart(header, out _, out _));
}
