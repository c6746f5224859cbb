using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using OciCache.Observability;
using OciCache.Storage.Postgres;
using OciCache.Testing;
using OciCache.Testing.Backends;
using Serilog;
using Serilog.Events;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// The leader lease on the shared PostgreSQL server: two <see cref="PostgresLeadership"/> on one database (each
/// its own connection pool) are two replicas; one clock (<see cref="FakeTimeProvider"/>) is theirs.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresLeadershipTests(ScaleOutBackends backends) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly CapturedLog _log = new();
    private readonly List<CacheMetrics> _metrics = [];
    private SerilogLoggerFactory? _loggers;

    [Fact]
    public async Task RenewAsync_TwoReplicas_OneLeadsUntilItStopsRenewingThenTheOther()
    {
        var a = Replica();
        var b = Replica();

        Assert.True(await a.RenewAsync(CancellationToken.None));
        Assert.False(await b.RenewAsync(CancellationToken.None));
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);

        // A renews within its lease: B is still refused, and B's refusals do not shorten A's lease.
        _time.Advance(Timeout / 3);
        Assert.True(await a.RenewAsync(CancellationToken.None));
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.False(await b.RenewAsync(CancellationToken.None));
        Assert.True(a.IsLeader);

        // A stops renewing: its own view lapses with the expiry it wrote, and then B takes the lease.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(a.IsLeader);
        Assert.True(await b.RenewAsync(CancellationToken.None));
        Assert.True(b.IsLeader);
        Assert.False(await a.RenewAsync(CancellationToken.None));
        Assert.False(a.IsLeader);
    }

    [Fact]
    public async Task ExecuteAsync_LeaderStopsRenewing_TheOtherTakesOverOnlyAfterTheTimeout()
    {
        var a = Replica();
        var b = Replica();
        Assert.True(await a.RenewAsync(CancellationToken.None)); // A leads, then renews no more (as if it hung)
        var leadSince = _time.GetUtcNow();
        var rounds = Channel.CreateUnbounded<bool>();
        b.RoundEnded += leading => rounds.Writer.TryWrite(leading);

        await b.StartAsync(CancellationToken.None);
        try
        {
            Assert.False(await NextRoundAsync(rounds)); // B's first round, at start
            while (_time.GetUtcNow() - leadSince < Timeout)
            {
                _time.Advance(Timeout / 3);
                var leading = await NextRoundAsync(rounds);
                Assert.Equal(_time.GetUtcNow() - leadSince >= Timeout, leading);
            }

            Assert.True(b.IsLeader);
            Assert.False(a.IsLeader);
            await _log.WaitForAsync(LogEventLevel.Information, $"This replica ({b.Holder}) now leads the cluster");
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StopAsync_Leader_GivesTheLeaseUpSoTheOtherLeadsAtItsNextRound()
    {
        var a = Replica();
        var b = Replica();
        var rounds = Channel.CreateUnbounded<bool>();
        a.RoundEnded += leading => rounds.Writer.TryWrite(leading);
        await a.StartAsync(CancellationToken.None);
        Assert.True(await NextRoundAsync(rounds));
        Assert.Equal(1, Gauge(0));

        await a.StopAsync(CancellationToken.None);

        Assert.False(a.IsLeader);
        Assert.Equal(0, Gauge(0));
        Assert.True(_log.Contains(LogEventLevel.Warning, $"This replica ({a.Holder}) no longer leads the cluster"));
        Assert.True(await b.RenewAsync(CancellationToken.None)); // no wait for the timeout
        Assert.Equal(1, Gauge(1));
    }

    public void Dispose()
    {
        _databases.Dispose();
        _metrics.ForEach(m => m.Dispose());
        _loggers?.Dispose();
    }

    private PostgresLeadership Replica()
    {
        _loggers ??= new SerilogLoggerFactory(new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(_log).CreateLogger(), dispose: true);
        var metrics = new CacheMetrics();
        _metrics.Add(metrics);
        return new PostgresLeadership(_databases.Open(), metrics, _time, _loggers.CreateLogger<PostgresLeadership>(), Timeout);
    }

    /// <summary>The <c>cluster_leader</c> gauge of the <paramref name="replica"/>th replica made.</summary>
    private long Gauge(int replica) =>
        _metrics[replica].Gauges.Single(g => g.Name == "cluster_leader").Read().Single().Value;

    /// <summary>The result of the next round; the bound is a margin for a loaded machine, not a expectation.</summary>
    private static async Task<bool> NextRoundAsync(Channel<bool> rounds) =>
        await rounds.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
}
