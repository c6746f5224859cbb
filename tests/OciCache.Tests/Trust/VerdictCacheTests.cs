using Microsoft.Extensions.Time.Testing;
using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

public sealed class VerdictCacheTests
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);
    private static readonly Repository App = Repository.Local("site/app");
    private static readonly Repository Other = Repository.Local("site/other");
    private static readonly Digest First = Digest.ComputeSha256([1]);
    private static readonly Digest Second = Digest.ComputeSha256([2]);
    private static readonly TrustVerdict Signed = new(TrustState.Signed, TrustMode.Enforce, "signed", "ci", null);
    private static readonly TrustVerdict Unsigned = new(TrustState.Unsigned, TrustMode.Enforce, "signed", null, "no signature found");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void Get_UnsignedVerdict_IsKeptUntilTheRecheckInterval()
    {
        var cache = new VerdictCache(100, Recheck, _time);
        cache.Put(App, First, 1, Unsigned);

        _time.Advance(Recheck - TimeSpan.FromSeconds(1));
        Assert.Equal(Unsigned, cache.Get(App, First, 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(cache.Get(App, First, 1));
    }

    [Fact]
    public void Get_SignedVerdict_OutlivesTheRecheck_ButNotANewVersion()
    {
        var cache = new VerdictCache(100, Recheck, _time);
        cache.Put(App, First, 1, Signed);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(Signed, cache.Get(App, First, 1));
        Assert.Null(cache.Get(App, First, 2));
        Assert.Null(cache.Get(App, First, 1)); // the stale entry went with the miss
    }

    [Fact]
    public void DropUnsigned_ForgetsOnlyTheRepositorysVerdictsThatAreNotSigned()
    {
        var cache = new VerdictCache(100, Recheck, _time);
        cache.Put(App, First, 1, Signed);
        cache.Put(App, Second, 1, Unsigned);
        cache.Put(Other, Second, 1, Unsigned);

        cache.DropUnsigned(App);

        Assert.Equal(Signed, cache.Get(App, First, 1));
        Assert.Null(cache.Get(App, Second, 1));
        Assert.Equal(Unsigned, cache.Get(Other, Second, 1));
    }

    [Fact]
    public void Put_PastTheCapacity_DropsTheLeastRecentlyUsed()
    {
        var cache = new VerdictCache(2, Recheck, _time);
        cache.Put(App, First, 1, Signed);
        cache.Put(App, Second, 1, Signed);
        Assert.NotNull(cache.Get(App, First, 1)); // First is now the most recent

        cache.Put(Other, First, 1, Signed);

        Assert.Equal(2, cache.Count);
        Assert.Null(cache.Get(App, Second, 1));
        Assert.NotNull(cache.Get(App, First, 1));
        Assert.NotNull(cache.Get(Other, First, 1));
    }
}
