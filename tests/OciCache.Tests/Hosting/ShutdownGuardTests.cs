using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OciCache.Hosting;

namespace OciCache.Tests.Hosting;

public sealed class ShutdownGuardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(35);
    private readonly FakeTimeProvider _time = new();
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);
    private readonly List<int> _exits = [];

    [Fact]
    public void Stopping_HostNotStoppedWithinTheTimeout_ExitsWithCode1()
    {
        using var guard = new ShutdownGuard(_lifetime, _time, NullLogger<ShutdownGuard>.Instance, _exits.Add, Timeout);

        _lifetime.StopApplication();
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.Empty(_exits);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1], _exits);
    }

    [Fact]
    public void Stopping_HostStoppedInTime_NoExit()
    {
        using var guard = new ShutdownGuard(_lifetime, _time, NullLogger<ShutdownGuard>.Instance, _exits.Add, Timeout);

        _lifetime.StopApplication();
        _time.Advance(Timeout / 2);
        _lifetime.NotifyStopped();
        _time.Advance(Timeout * 2);

        Assert.Empty(_exits);
    }

    [Fact]
    public void Running_NoShutdownSignal_NoExit()
    {
        using var guard = new ShutdownGuard(_lifetime, _time, NullLogger<ShutdownGuard>.Instance, _exits.Add, Timeout);

        _time.Advance(Timeout * 10);

        Assert.Empty(_exits);
    }
}
