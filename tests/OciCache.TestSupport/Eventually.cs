namespace OciCache.Testing;

/// <summary>Waits for something the server does in the background (caching, eviction, collection).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms; fails the test with <paramref name="what"/> when time runs out.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"not reached in time: {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it yields a value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"not reached in time: {what}");
            }

            await Task.Delay(100);
        }
    }
}
