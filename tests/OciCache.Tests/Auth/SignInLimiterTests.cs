using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class SignInLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task IsBlocked_AfterLimitFailuresInAMinute_UntilTheOldestIsAMinuteOld()
    {
        var limiter = new SignInLimiter(_time, limit: 3);
        for (var i = 0; i < 2; i++)
        {
            await limiter.RecordFailureAsync("10.0.0.1");
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Null(await limiter.RetryAfterAsync("10.0.0.1"));
        await limiter.RecordFailureAsync("10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(40), await limiter.RetryAfterAsync("10.0.0.1"));

        _time.Advance(TimeSpan.FromSeconds(39));
        Assert.NotNull(await limiter.RetryAfterAsync("10.0.0.1"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await limiter.RetryAfterAsync("10.0.0.1"));
    }

    [Fact]
    public async Task IsBlocked_OtherAddress_NotAffected()
    {
        var limiter = new SignInLimiter(_time, limit: 1);
        await limiter.RecordFailureAsync("10.0.0.1");

        Assert.NotNull(await limiter.RetryAfterAsync("10.0.0.1"));
        Assert.Null(await limiter.RetryAfterAsync("10.0.0.2"));
    }

    [Fact]
    public async Task RecordFailure_ManySources_BoundedAndRecentOnesKept()
    {
        var limiter = new SignInLimiter(_time, limit: 1);
        for (var i = 0; i < SignInLimiter.MaxSources; i++)
        {
            await limiter.RecordFailureAsync($"old-{i}");
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        await limiter.RecordFailureAsync("recent");
        await limiter.RecordFailureAsync("new");

        Assert.NotNull(await limiter.RetryAfterAsync("recent"));
        Assert.NotNull(await limiter.RetryAfterAsync("new"));
        Assert.Null(await limiter.RetryAfterAsync("old-0"));
    }
}
