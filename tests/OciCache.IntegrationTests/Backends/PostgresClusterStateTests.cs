using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// What replicas on one PostgreSQL database share besides metadata: the token signing key and the audit
/// events. Each replica is a <see cref="PostgresDatabase"/> of its own (its own pool) on the test's database.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresClusterStateTests(ScaleOutBackends backends) : IDisposable
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task SharedTokenKeySource_TwoReplicasAtOnce_LoadOneKeyAndVerifyEachOthersTokens()
    {
        var a = new SharedTokenKeySource(new PostgresClusterSecrets(_databases.Open()));
        var b = new SharedTokenKeySource(new PostgresClusterSecrets(_databases.Open()));

        var keys = await Task.WhenAll(Task.Run(() => a.LoadAsync(CancellationToken.None)), Task.Run(() => b.LoadAsync(CancellationToken.None)));
        using var first = keys[0];
        using var second = keys[1];
        using var again = await a.LoadAsync(CancellationToken.None);

        Assert.Equal(256, first.KeySize);
        Assert.Equal(first.ExportPkcs8PrivateKey(), second.ExportPkcs8PrivateKey());
        Assert.Equal(TokenKey.KeyId(first), TokenKey.KeyId(again));
        var issuedByA = new TokenSigner(first, "ocicache", _time);
        var verifiedByB = new TokenSigner(second, "ocicache", _time);
        var claims = issuedByA.NewClaims("alice", "ocicache", TokenClaims.AccessUse, TimeSpan.FromMinutes(5), []);
        Assert.Equal("alice", (await verifiedByB.ValidateAsync(issuedByA.Sign(claims), "ocicache", TokenClaims.AccessUse))?.Subject);
    }

    [Fact]
    public async Task SharedTokenKeySource_OtherDatabase_HasAnotherKey()
    {
        using var other = new PostgresStoreDatabases(backends.Postgres);
        using var here = await new SharedTokenKeySource(new PostgresClusterSecrets(_databases.Open())).LoadAsync(CancellationToken.None);
        using var there = await new SharedTokenKeySource(new PostgresClusterSecrets(other.Open())).LoadAsync(CancellationToken.None);

        Assert.NotEqual(TokenKey.KeyId(here), TokenKey.KeyId(there));
    }

    [Fact]
    public async Task StoredAuditLog_TwoReplicasAppend_EitherReadsEveryEventNewestFirst()
    {
        await using var a = Audit();
        await using var b = Audit();

        a.Write(new AuditEvent("manifest.push", "ok") { Who = "alice", Repository = "team/app", Reference = "v1" });
        await a.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        b.Write(new AuditEvent("policy.deny", "denied") { Who = "bob", Repository = "team/app", Detail = "no push" });
        await b.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        a.Write(new AuditEvent("robot.add", "ok") { Who = "alice", Detail = "robot$ci" });
        await a.FlushAsync();

        foreach (var replica in new[] { a, b })
        {
            var all = await replica.ReadAsync(new AuditQuery(null, null, null), 100, CancellationToken.None);
            Assert.Equal(["robot.add", "policy.deny", "manifest.push"], all.Select(l => l.Action));
            Assert.Equal(_time.GetUtcNow().UtcDateTime, all[0].Time);
            Assert.Equal(("bob", "team/app", "no push"), (all[1].Who, all[1].Repository, all[1].Detail));
        }

        Assert.Equal(["robot.add"], (await b.ReadAsync(new AuditQuery(null, null, null), 1, CancellationToken.None)).Select(l => l.Action));
        Assert.Equal(["robot.add", "manifest.push"], (await b.ReadAsync(new AuditQuery("", "alice", ""), 10, CancellationToken.None)).Select(l => l.Action));
        Assert.Equal(["policy.deny"], (await a.ReadAsync(new AuditQuery("policy.deny", null, null), 10, CancellationToken.None)).Select(l => l.Action));
        Assert.Equal(["policy.deny", "manifest.push"], (await a.ReadAsync(new AuditQuery(null, null, "team/"), 10, CancellationToken.None)).Select(l => l.Action));
        Assert.Empty(await a.ReadAsync(new AuditQuery(null, null, "team/ap%"), 10, CancellationToken.None));
    }

    [Fact]
    public async Task StoredAuditLog_ManyEventsFromTwoReplicasAtOnce_EachStoredOnceInEachReplicasOrder()
    {
        await using var a = Audit();
        await using var b = Audit();

        var writers = new[] { (Log: a, Who: "a"), (Log: b, Who: "b") }.Select(r => Task.Run(() =>
        {
            for (var i = 0; i < 600; i++)
            {
                r.Log.Write(new AuditEvent("blob.delete", "ok") { Who = r.Who, Detail = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        }));
        await Task.WhenAll(writers);
        await Task.WhenAll(a.FlushAsync(), b.FlushAsync());

        var all = await b.ReadAsync(new AuditQuery(null, null, null), 1000, CancellationToken.None);
        Assert.Equal(1000, all.Count);
        foreach (var who in new[] { "a", "b" })
        {
            var mine = await a.ReadAsync(new AuditQuery(null, who, null), 1000, CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, 600).Reverse().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), mine.Select(l => l.Detail));
        }
    }

    public void Dispose() => _databases.Dispose();

    private StoredAuditLog Audit() => new(new PostgresAuditStore(_databases.Open()), _time, NullLogger<StoredAuditLog>.Instance);
}
