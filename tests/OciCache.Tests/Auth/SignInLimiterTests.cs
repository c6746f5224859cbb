using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class SignInLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void IsBlocked_AfterLimitFailuresInAMinute_UntilTheOldestIsAMinuteOld()
    {
        var limiter = new SignInLimiter(_time, limit: 3);
        for (var i = 0; i < 2; i++)
        {
            limiter.RecordFailure("10.0.0.1");
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(limiter.IsBlocked("10.0.0.1", out _));
        limiter.RecordFailure("10.0.0.1");
        Assert.True(limiter.IsBlocked("10.0.0.1", out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(40), retryAfter);

        _time.Advance(TimeSpan.FromSeconds(39));
        Assert.True(limiter.IsBlocked("10.0.0.1", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(limiter.IsBlocked("10.0.0.1", out _));
    }

    [Fact]
    public void IsBlocked_OtherAddress_NotAffected()
    {
        var limiter = new SignInLimiter(_time, limit: 1);
        limiter.RecordFailure("10.0.0.1");

        Assert.True(limiter.IsBlocked("10.0.0.1", out _));
        Assert.False(limiter.IsBlocked("10.0.0.2", out _));
    }

    [Fact]
    public void RecordFailure_ManySources_BoundedAndRecentOnesKept()
    {
        var limiter = new SignInLimiter(_time, limit: 1);
        for (var i = 0; i < SignInLimiter.MaxSources; i++)
        {
            limiter.RecordFailure($"old-{i}");
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        limiter.RecordFailure("recent");
        limiter.RecordFailure("new");

        Assert.True(limiter.IsBlocked("recent", out _));
        Assert.True(limiter.IsBlocked("new", out _));
        Assert.False(limiter.IsBlocked("old-0", out _));
    }
}
