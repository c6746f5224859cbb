namespace OciCache.Storage;

/// <summary><see cref="ISignInFailureStore"/> in this process: a queue of times per source. The default.</summary>
public sealed class MemorySignInFailureStore : ISignInFailureStore
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    public Task<SignInFailures> FindAsync(string source, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_failures)
        {
            if (!_failures.TryGetValue(source, out var failures))
            {
                return Task.FromResult(default(SignInFailures));
            }

            Prune(failures, since);
            return Task.FromResult(failures.Count == 0 ? default : new SignInFailures(failures.Count, failures.Peek()));
        }
    }

    public Task AddAsync(string source, DateTimeOffset at, DateTimeOffset since, int maxSources, CancellationToken cancellationToken)
    {
        lock (_failures)
        {
            if (!_failures.TryGetValue(source, out var failures))
            {
                if (_failures.Count >= maxSources)
                {
                    Forget(since, maxSources);
                }

                _failures[source] = failures = new Queue<DateTimeOffset>();
            }

            Prune(failures, since);
            failures.Enqueue(at);
        }

        return Task.CompletedTask;
    }

    private void Forget(DateTimeOffset since, int maxSources)
    {
        foreach (var (source, failures) in _failures.ToList())
        {
            Prune(failures, since);
            if (failures.Count == 0)
            {
                _failures.Remove(source);
            }
        }

        if (_failures.Count >= maxSources)
        {
            _failures.Clear();
        }
    }

    private static void Prune(Queue<DateTimeOffset> failures, DateTimeOffset since)
    {
        while (failures.Count > 0 && failures.Peek() <= since)
        {
            failures.Dequeue();
        }
    }
}
