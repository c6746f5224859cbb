using System.Diagnostics;

namespace OciCache.Testing;

/// <summary>
/// Waits for something the server does in the background (caching, eviction, collection) by polling a
/// condition that proves it. The timeout is a margin for a loaded machine, never an expectation: nothing
/// passes or fails by how fast it happened.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait for a signal may take before the test fails (generous: CI is a busy 2-core machine).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/>; fails the test with <paramref name="what"/> when time runs out.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new Xunit.Sdk.XunitException($"not reached in time: {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, string, TimeSpan?)"/>, for a condition that is awaited.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new Xunit.Sdk.XunitException($"not reached in time: {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it yields a value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (watch.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new Xunit.Sdk.XunitException($"not reached in time: {what}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
