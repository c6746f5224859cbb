using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// Open upload sessions, in all and per client, against the caps of <see cref="UploadOptions"/>. Each
/// session is counted once, from its start to its end, by id; sessions from before a restart count
/// toward the total only (their client is not recorded), from the first start after it.
/// </summary>
internal sealed class SessionCounts(UploadOptions options)
{
    private const string Unknown = "";

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private volatile bool _loaded;

    /// <summary>Counts a new session for <paramref name="client"/>; false when that would pass a cap.</summary>
    public async Task<bool> TryOpenAsync(string id, string client, IUploadIndex index)
    {
        if (!_loaded)
        {
            await LoadAsync(index);
        }

        lock (_lock)
        {
            var held = _perClient.GetValueOrDefault(client);
            if (_owners.Count >= options.MaxSessions || held >= options.MaxSessionsPerClient)
            {
                return false;
            }

            _owners.Add(id, client);
            _perClient[client] = held + 1;
            return true;
        }
    }

    /// <summary>
    /// Counts the sessions of an earlier run, once, before any session of this run is counted: every
    /// <see cref="TryOpenAsync"/> waits here until they are.
    /// </summary>
    private async Task LoadAsync(IUploadIndex index)
    {
        await _loading.WaitAsync();
        try
        {
            if (_loaded)
            {
                return;
            }

            var uploads = await index.ListUploadsAsync();
            lock (_lock)
            {
                foreach (var upload in uploads)
                {
                    _owners.TryAdd(upload.Id, Unknown);
                }
            }

            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Stops counting a session; a session not counted (or already closed) changes nothing.</summary>
    public void Close(string id)
    {
        lock (_lock)
        {
            if (!_owners.Remove(id, out var client) || client == Unknown)
            {
                return;
            }

            if (--_perClient[client] == 0)
            {
                _perClient.Remove(client);
            }
        }
    }
}
