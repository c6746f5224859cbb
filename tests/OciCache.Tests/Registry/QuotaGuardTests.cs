using OciCache.Observability;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Tests.Registry;

/// <summary><see cref="QuotaGuard"/> over a real SQLite file: what it admits, what it refuses, and in which order.</summary>
public sealed class QuotaGuardTests : IDisposable
{
    private static readonly Repository One = Repository.Local("team/one");
    private static readonly Repository Two = Repository.Local("team/two");
    private static readonly Digest A = Digest.ComputeSha256([1]);
    private static readonly Digest B = Digest.ComputeSha256([2]);
    private static readonly Digest C = Digest.ComputeSha256([3]);

    private readonly TempDirectory _temp = new("quota-guard");
    private readonly SqliteDatabase _database;
    private readonly SqliteMetadataIndex _index;
    private readonly CacheMetrics _metrics = new();
    private readonly QuotaGuard _guard;

    public QuotaGuardTests()
    {
        _database = new SqliteDatabase(_temp.Combine("meta.db"));
        _index = new SqliteMetadataIndex(_database, TimeProvider.System);
        _guard = new QuotaGuard([new QuotaOptions { Name = "team", Repositories = ["team/**"], MaxBytes = 100 }], _index, _metrics, TimeProvider.System);
    }

    public void Dispose()
    {
        _database.Dispose();
        _metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Admit_UpToTheLimit_ThenRefused_ButABlobTheQuotaHoldsAddsNothing()
    {
        await WriteAsync(One, A, 60);
        await WriteAsync(Two, B, 40); // exactly the limit

        var refused = await Assert.ThrowsAsync<FailureException>(() => _guard.AdmitAsync(Two, [(C, 1)], CancellationToken.None));
        var denied = Assert.IsType<Denied>(refused.Failure);
        Assert.Equal("quota \"team\" would be exceeded: 100 B used of 100 B, this push adds 1 B", denied.Message);

        using (var admission = await _guard.AdmitAsync(Two, [(A, 60)], CancellationToken.None)) // team/one holds it: counted already
        {
            Assert.True(await _index.LinkBlobAsync(Two, A));
            admission.Written();
        }

        Assert.Equal(100, _guard.Quotas[0].UsedBytes);
    }

    [Fact]
    public async Task Admit_OutsideEveryQuota_OrToAMirror_IsNotMeasured()
    {
        await WriteAsync(One, A, 100);

        using (await _guard.AdmitAsync(Repository.Local("site/app"), [(B, 1000)], CancellationToken.None))
        using (await _guard.AdmitAsync(Repository.Mirror("team", "app"), [(B, 1000)], CancellationToken.None))
        {
        }
    }

    [Fact]
    public async Task Admit_TwoWritesThatFitOnlyAlone_OneWaitsForTheOther_AndIsRefused()
    {
        var first = await _guard.AdmitAsync(One, [(A, 60)], CancellationToken.None);
        var second = _guard.AdmitAsync(Two, [(B, 60)], CancellationToken.None);
        Assert.False(second.IsCompleted); // the quota's gate is held until the first write is done

        await _index.AddBlobAsync(One, A, 60);
        first.Written();
        first.Dispose();

        var refused = await Assert.ThrowsAsync<FailureException>(() => second);
        Assert.Contains("60 B used of 100 B, this push adds 60 B", refused.Failure.Message, StringComparison.Ordinal);
    }

    private async Task WriteAsync(Repository repository, Digest digest, long size)
    {
        using var admission = await _guard.AdmitAsync(repository, [(digest, size)], CancellationToken.None);
        await _index.AddBlobAsync(repository, digest, size);
        admission.Written();
    }
}
