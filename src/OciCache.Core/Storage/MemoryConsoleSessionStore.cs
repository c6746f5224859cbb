using System.Collections.Concurrent;

namespace OciCache.Storage;

/// <summary><see cref="IConsoleSessionStore"/> in this process: a restart signs everyone out. The default.</summary>
public sealed class MemoryConsoleSessionStore : IConsoleSessionStore
{
    private readonly ConcurrentDictionary<string, ConsoleSessionRecord> _rows = new(StringComparer.Ordinal);

    public Task AddAsync(ConsoleSessionRecord session, CancellationToken cancellationToken)
    {
        _rows[Key(session.IdHash)] = session;
        return Task.CompletedTask;
    }

    public Task<ConsoleSessionRecord?> FindAsync(byte[] idHash, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.GetValueOrDefault(Key(idHash)));

    public Task<bool> TouchAsync(byte[] idHash, DateTimeOffset lastSeen, DateTimeOffset checkedAt, CancellationToken cancellationToken)
    {
        var key = Key(idHash);
        while (_rows.TryGetValue(key, out var row))
        {
            var touched = row with { LastSeen = Later(row.LastSeen, lastSeen), CheckedAt = Later(row.CheckedAt, checkedAt) };
            if (_rows.TryUpdate(key, touched, row))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }

    public Task<bool> RemoveAsync(byte[] idHash, CancellationToken cancellationToken) => Task.FromResult(_rows.TryRemove(Key(idHash), out _));

    public Task<int> RemoveAllOfAsync(string user, CancellationToken cancellationToken) =>
        Task.FromResult(RemoveWhere(_rows.Where(r => r.Value.User == user)));

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(_rows.Count);

    public Task<int> RemoveExpiredAsync(DateTimeOffset lastSeenBy, DateTimeOffset signedInBy, CancellationToken cancellationToken) =>
        Task.FromResult(RemoveWhere(_rows.Where(r => r.Value.LastSeen <= lastSeenBy || r.Value.SignedInAt <= signedInBy)));

    public Task<int> RemoveLeastRecentAsync(int count, CancellationToken cancellationToken) =>
        Task.FromResult(RemoveWhere(_rows.OrderBy(r => r.Value.LastSeen).Take(count)));

    private int RemoveWhere(IEnumerable<KeyValuePair<string, ConsoleSessionRecord>> rows) =>
        rows.ToList().Count(r => _rows.TryRemove(r.Key, out _));

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Key(byte[] idHash) => Convert.ToHexString(idHash);
}
