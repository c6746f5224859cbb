using System.Collections.Concurrent;

namespace OciCache.PullThrough;

/// <summary>
/// Runs one piece of work per key at a time; concurrent callers for the same key share its result.
/// The work runs with no caller's cancellation (one caller going away must not fail the others); each
/// caller stops waiting on its own token.
/// </summary>
internal sealed class SingleFlight<TKey, TResult> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TResult>>> _running = new();

    public Task<TResult> RunAsync(TKey key, Func<Task<TResult>> work, CancellationToken cancellationToken)
    {
        var lazy = _running.GetOrAdd(key, k => new Lazy<Task<TResult>>(() => RunAndForgetAsync(k, work)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<TResult> RunAndForgetAsync(TKey key, Func<Task<TResult>> work)
    {
        try
        {
            return await Task.Run(work);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }
}
