namespace OciCache.Lifecycle;

/// <summary>Wakes the eviction loop early: something was just stored, the budget may be exceeded.</summary>
public sealed class EvictionSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Nudge()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already nudged
        }
    }

    /// <summary>Waits for a nudge or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
