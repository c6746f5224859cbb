using System.Text;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IAuditStore"/> in PostgreSQL (table <c>audit_events</c>, migration 4). The identity column orders
/// the events as the database received them, whichever replica sent them; a batch is one transaction. The
/// table keeps the newest <see cref="MaxRows"/> events (about what <c>audit.log</c> and its five rotated files
/// hold at their default size, times five): each batch deletes what fell out of that window.
/// </summary>
internal sealed class PostgresAuditStore(PostgresDatabase database) : IAuditStore
{
    public const long MaxRows = 1_000_000;

    private const string Insert =
        "INSERT INTO audit_events (at, action, who, repository, line) VALUES (@at, @action, @who, @repository, @line)";

    // Ids have gaps (rolled back inserts), so this keeps at most MaxRows events, a few fewer after a gap.
    private const string Prune = "DELETE FROM audit_events WHERE id <= (SELECT max(id) FROM audit_events) - @keep";

    public Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken) =>
        records.Count == 0 ? Task.CompletedTask : database.ExecuteInTransactionAsync(
            records.Select(r => (Insert, new (string, object?)[]
            {
                ("at", PostgresDatabase.ToMillisecond(r.Time)), ("action", r.Action), ("who", r.Who), ("repository", r.Repository), ("line", r.Line),
            })).Append((Prune, [("keep", MaxRows)])),
            cancellationToken);

    public Task<IReadOnlyList<string>> ReadAsync(AuditQuery query, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var sql = new StringBuilder("SELECT line FROM audit_events WHERE true");
        var parameters = new List<(string, object?)> { ("limit", limit) };
        if (query.Action is { Length: > 0 } action)
        {
            sql.Append(" AND action = @action");
            parameters.Add(("action", action));
        }

        if (query.Who is { Length: > 0 } who)
        {
            sql.Append(" AND who = @who");
            parameters.Add(("who", who));
        }

        if (query.RepositoryPrefix is { Length: > 0 } prefix)
        {
            sql.Append(" AND starts_with(repository, @repository)");
            parameters.Add(("repository", prefix));
        }

        sql.Append(" ORDER BY id DESC LIMIT @limit");
        return database.ReadAllAsync(r => r.GetString(0), cancellationToken, sql.ToString(), [.. parameters]);
    }
}
