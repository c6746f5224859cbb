using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OciCache.Lifecycle;
using OciCache.Storage;
using OciCache.Sync;
using OciCache.Testing;
using OciCache.Upstream;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace OciCache.Tests.Sync;

/// <summary>
/// <see cref="SyncService"/> runs a job only while this process leads: a follower skips each round and asks
/// again at the next interval, and runs once it leads. The cache is offline, so a run is one log line and no
/// upstream; the clock is fake, and the test advances it only once the service waits on it.
/// </summary>
public sealed class SyncServiceLeadershipTests
{
    [Fact]
    public async Task ExecuteAsync_NotLeader_SkipsEveryRound_ThenRunsOnceItLeads()
    {
        using var data = new TempDirectory("sync-leadership");
        var log = new CapturedLog();
        var clock = new WatchedClock(new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)));
        var leadership = new SwitchedLeadership();
        var job = new SyncJob { Name = "nightly", Upstream = "docker.io", Repositories = ["library/alpine"], Interval = TimeSpan.FromHours(1) };
        var options = new OciCacheCoreOptions { Data = data.Path };
        options.Cache.Offline = true;
        options.Sync.Jobs.Add(job);
        options.Upstreams["docker.io"] = new UpstreamOptions { Url = "https://registry-1.docker.io" };
        using var loggers = new SerilogLoggerFactory(new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(log).CreateLogger(), dispose: true);
        await using var provider = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(loggers)
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<ILeadership>(leadership)
            .AddOciCacheCore(options)
            .BuildServiceProvider();
        var sync = provider.GetServices<IHostedService>().OfType<SyncService>().Single();
        clock.Forget(); // timers made while the services were built

        await sync.StartAsync(CancellationToken.None);
        try
        {
            // Two rounds as a follower: each asks, runs nothing and waits for the next interval.
            await clock.NextTimerAsync(); // the delay after start
            clock.Fake.Advance(LifecycleService.PrefetchStartDelay);
            Assert.False(await leadership.NextAskAsync());
            await clock.NextTimerAsync();
            clock.Fake.Advance(job.Interval);
            Assert.False(await leadership.NextAskAsync());
            await clock.NextTimerAsync(); // the second round is over, so a run of the first would have logged
            Assert.False(log.Contains(LogEventLevel.Information, "Sync nightly skipped"));

            leadership.Leading = true;
            clock.Fake.Advance(job.Interval);
            Assert.True(await leadership.NextAskAsync());
            await log.WaitForAsync(LogEventLevel.Information, "Sync nightly skipped: the cache is offline");
        }
        finally
        {
            await sync.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A leadership the test switches, which reports every time it is asked.</summary>
    private sealed class SwitchedLeadership : ILeadership
    {
        private readonly Channel<bool> _asked = Channel.CreateUnbounded<bool>();

        public volatile bool Leading;

        public bool IsLeader
        {
            get
            {
                var leading = Leading;
                _asked.Writer.TryWrite(leading);
                return leading;
            }
        }

        public async Task<bool> NextAskAsync() => await _asked.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The fake clock, reporting each timer created on it: a delay the service now waits on, so advancing reaches it.</summary>
    private sealed class WatchedClock(FakeTimeProvider fake) : TimeProvider
    {
        private readonly Channel<bool> _timers = Channel.CreateUnbounded<bool>();

        public FakeTimeProvider Fake => fake;

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = fake.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(true);
            return timer;
        }

        public void Forget()
        {
            while (_timers.Reader.TryRead(out _))
            {
            }
        }

        public async Task NextTimerAsync() => await _timers.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }
}
