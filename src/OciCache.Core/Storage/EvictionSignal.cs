namespace OciCache.Storage;

/// <summary>
/// "The store just grew": whoever stores content nudges it, the eviction loop waits on it, so the budget
/// is checked right after a blob was stored and not only on the eviction timer.
/// </summary>
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

    /// <summary>Waits for a nudge or the timeout, whichever comes first: true when nudged.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
