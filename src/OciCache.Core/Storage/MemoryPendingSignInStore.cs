namespace OciCache.Storage;

/// <summary><see cref="IPendingSignInStore"/> in this process, by state and by source (oldest first). The default.</summary>
public sealed class MemoryPendingSignInStore : IPendingSignInStore
{
    private readonly Dictionary<string, PendingSignInRecord> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PendingSignInRecord>> _bySource = new(StringComparer.Ordinal); // oldest first

    public Task AddAsync(PendingSignInRecord signIn, PendingSignInBounds bounds, CancellationToken cancellationToken)
    {
        lock (_pending)
        {
            if (_pending.TryGetValue(signIn.State, out var previous))
            {
                Remove(previous);
            }

            if (!_bySource.TryGetValue(signIn.Source, out var own))
            {
                _bySource[signIn.Source] = own = [];
            }

            if (own.Count >= bounds.PerSource)
            {
                Remove(own[0]);
            }
            else if (_pending.Count >= bounds.Overall)
            {
                MakeRoom(bounds);
            }

            if (own.Count == 0)
            {
                _bySource[signIn.Source] = own; // Remove dropped the emptied list
            }

            own.Add(signIn);
            _pending[signIn.State] = signIn;
        }

        return Task.CompletedTask;
    }

    public Task<PendingSignInRecord?> TakeAsync(string state, CancellationToken cancellationToken)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(state, out var pending))
            {
                return Task.FromResult<PendingSignInRecord?>(null);
            }

            Remove(pending);
            return Task.FromResult<PendingSignInRecord?>(pending);
        }
    }

    private void MakeRoom(PendingSignInBounds bounds)
    {
        foreach (var own in _bySource.Values.ToList())
        {
            while (own.Count > 0 && own[0].StartedAt <= bounds.ExpiredBy)
            {
                Remove(own[0]);
            }
        }

        if (_pending.Count >= bounds.Overall)
        {
            Remove(_bySource.Values.MaxBy(own => own.Count)![0]);
        }
    }

    private void Remove(PendingSignInRecord pending)
    {
        _pending.Remove(pending.State);
        var own = _bySource[pending.Source];
        own.Remove(pending);
        if (own.Count == 0)
        {
            _bySource.Remove(pending.Source);
        }
    }
}
