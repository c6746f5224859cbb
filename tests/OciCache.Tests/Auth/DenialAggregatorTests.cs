using Microsoft.Extensions.Time.Testing;
using OciCache.Access;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class DenialAggregatorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CapturingAuditLog _log = new();

    [Fact]
    public void Write_RepeatedDenialsOfOneSourceAndRepository_FirstAtOnceTheRestOneLineWithACount()
    {
        using var aggregator = new DenialAggregator(_log, _time);

        for (var i = 0; i < 1000; i++)
        {
            aggregator.Write(Denied("198.51.100.66", "secret/app") with { Reference = $"v{i}" });
        }

        var first = Assert.Single(_log.Events);
        Assert.Equal("v0", first.Reference);
        Assert.Null(first.Count);

        _time.Advance(DenialAggregator.Interval);

        Assert.Equal(2, _log.Events.Count);
        var rest = _log.Events[1];
        Assert.Equal(999, rest.Count);
        Assert.Equal(("policy.deny", "unauthorized", "198.51.100.66", "secret/app"), (rest.Action, rest.Result, rest.Source, rest.Repository));
        Assert.Null(rest.Reference);

        _time.Advance(DenialAggregator.Interval);
        Assert.Equal(2, _log.Events.Count); // nothing more was denied: no line
    }

    [Fact]
    public void Write_SameDenialInTheNextInterval_WrittenAtOnceAgain()
    {
        using var aggregator = new DenialAggregator(_log, _time);
        aggregator.Write(Denied("198.51.100.66", "secret/app"));
        _time.Advance(DenialAggregator.Interval);

        aggregator.Write(Denied("198.51.100.66", "secret/app"));

        Assert.Equal(2, _log.Events.Count);
        Assert.All(_log.Events, e => Assert.Null(e.Count));
    }

    [Fact]
    public void Write_OtherSourcesAndRepositories_EachHasItsOwnFirstLine()
    {
        using var aggregator = new DenialAggregator(_log, _time);

        aggregator.Write(Denied("198.51.100.66", "secret/app"));
        aggregator.Write(Denied("198.51.100.66", "secret/db"));
        aggregator.Write(Denied("192.0.2.7", "secret/app"));
        aggregator.Write(Denied("192.0.2.7", "secret/app") with { Who = "bob", Result = "denied" });

        Assert.Equal(4, _log.Events.Count);
    }

    [Fact]
    public void Write_WritesAndSignIns_PassThroughDuringAFlood()
    {
        using var aggregator = new DenialAggregator(_log, _time);
        for (var i = 0; i < 100; i++)
        {
            aggregator.Write(Denied("198.51.100.66", "secret/app"));
        }

        var push = new AuditEvent("manifest.push", "ok") { Who = "alice", Repository = "team/app" };
        aggregator.Write(push);
        aggregator.Write(push);

        Assert.Equal(2, _log.Events.Count(e => e == push));
    }

    [Fact]
    public void Write_ManyRepositoriesInOneInterval_LinesBoundedAndEveryDenialCounted()
    {
        using var aggregator = new DenialAggregator(_log, _time);

        for (var i = 0; i < 20_000; i++)
        {
            aggregator.Write(Denied("198.51.100.66", $"secret/app{i}"));
        }

        Assert.Equal(DenialAggregator.MaxKeysPerInterval, _log.Events.Count);
        _time.Advance(DenialAggregator.Interval);

        Assert.True(_log.Events.Count <= DenialAggregator.MaxKeysPerInterval + 2, $"{_log.Events.Count} lines");
        Assert.Equal(20_000, _log.Events.Sum(e => e.Count ?? 1));
    }

    [Fact]
    public void Dispose_PendingCounts_Written()
    {
        var aggregator = new DenialAggregator(_log, _time);
        aggregator.Write(Denied("198.51.100.66", "secret/app"));
        aggregator.Write(Denied("198.51.100.66", "secret/app"));

        aggregator.Dispose();

        Assert.Equal(1, _log.Events[^1].Count);
    }

    private static AuditEvent Denied(string source, string repository) =>
        new("policy.deny", "unauthorized") { Who = "anonymous", Source = source, Repository = repository, Detail = "no rule grants pull" };
}
