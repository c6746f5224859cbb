using Microsoft.Extensions.Time.Testing;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// <see cref="PostgresFillLeases"/> on the real PostgreSQL, two holders (two replicas) on one fresh database
/// and one fake clock: a lease is one holder's until released or run out, the refusal names the holder,
/// renewing pushes the expiry, and a lease that ran out is taken over.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresFillLeasesTests(ScaleOutBackends backends) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly Digest Blob = Digest.ComputeSha256("fill lease"u8.ToArray());

    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 21, 0, 0, TimeSpan.Zero));
    private readonly FillLeaseHolder _a = FillLeaseHolder.Create("http://10.0.0.1:5000", Timeout);
    private readonly FillLeaseHolder _b = FillLeaseHolder.Create("http://10.0.0.2:5000", Timeout);

    [Fact]
    public async Task Acquire_Free_IsGrantedUntilTheTimeout()
    {
        var (a, _) = Replicas();

        var claim = await a.AcquireAsync(Blob, CancellationToken.None);

        Assert.Equal(new FillLeaseClaim(true, _a.Url, _time.GetUtcNow() + Timeout), claim);
    }

    [Fact]
    public async Task Acquire_HeldByAnother_IsRefusedWithTheHoldersUrl()
    {
        var (a, b) = Replicas();
        await a.AcquireAsync(Blob, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));

        var claim = await b.AcquireAsync(Blob, CancellationToken.None);

        Assert.False(claim.Granted);
        Assert.Equal(_a.Url, claim.HolderUrl);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(5) + Timeout, claim.ExpiresAt);
        Assert.True((await a.AcquireAsync(Blob, CancellationToken.None)).Granted); // the holder's second fill of it
    }

    [Fact]
    public async Task Renew_ByTheHolder_PushesTheExpirySoTheOtherStaysRefused()
    {
        var (a, b) = Replicas();
        await a.AcquireAsync(Blob, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(await a.RenewAsync(Blob, CancellationToken.None));
        Assert.False(await b.RenewAsync(Blob, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(10)); // past the first expiry, not the renewed one

        var claim = await b.AcquireAsync(Blob, CancellationToken.None);
        Assert.False(claim.Granted);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(10) + Timeout, claim.ExpiresAt);
    }

    [Fact]
    public async Task Acquire_AfterTheHoldersLeaseRanOut_IsTakenOver()
    {
        var (a, b) = Replicas();
        await a.AcquireAsync(Blob, CancellationToken.None);
        _time.Advance(Timeout);

        var claim = await b.AcquireAsync(Blob, CancellationToken.None);

        Assert.Equal(new FillLeaseClaim(true, _b.Url, _time.GetUtcNow() + Timeout), claim);
        Assert.False(await a.RenewAsync(Blob, CancellationToken.None)); // the former holder learns it lost it
        Assert.False((await a.AcquireAsync(Blob, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task Release_ByTheHolder_FreesIt_ByAnother_DoesNothing()
    {
        var (a, b) = Replicas();
        await a.AcquireAsync(Blob, CancellationToken.None);

        await b.ReleaseAsync(Blob, CancellationToken.None);
        Assert.False((await b.AcquireAsync(Blob, CancellationToken.None)).Granted);

        await a.ReleaseAsync(Blob, CancellationToken.None);
        Assert.True((await b.AcquireAsync(Blob, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task Acquire_ManyAtOnce_GrantsExactlyOne()
    {
        var database = _databases.Open();
        var holders = Enumerable.Range(0, 12).Select(i => new PostgresFillLeases(database, FillLeaseHolder.Create($"http://10.0.0.{i}:5000", Timeout), _time)).ToList();

        var claims = await Task.WhenAll(holders.Select(h => Task.Run(() => h.AcquireAsync(Blob, CancellationToken.None))));

        Assert.Single(claims, c => c.Granted);
        Assert.Single(claims.Select(c => c.HolderUrl).Distinct());
    }

    public void Dispose() => _databases.Dispose();

    private (PostgresFillLeases A, PostgresFillLeases B) Replicas()
    {
        var database = _databases.Open();
        return (new PostgresFillLeases(database, _a, _time), new PostgresFillLeases(database, _b, _time));
    }
}
