namespace OciCache.Storage;

/// <summary>
/// The audit events of every replica in one place, the shared metadata database: each event as the line
/// <c>audit.log</c> would hold (the JSON of <c>Auth/AuditLine</c>), with the fields the console filters on
/// beside it. Read newest first, in the order the database received them.
/// </summary>
public interface IAuditStore
{
    /// <summary>Stores the records, in their order, all or none.</summary>
    Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    /// <summary>The lines that match <paramref name="query"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> ReadAsync(AuditQuery query, int limit, CancellationToken cancellationToken);
}

/// <summary>One audit event: when, its action, who and which repository (for filters), and its whole line.</summary>
public sealed record AuditRecord(DateTimeOffset Time, string Action, string? Who, string? Repository, string Line);

/// <summary>Which events to read: each field given (not null or empty) must match exactly, the repository by prefix.</summary>
public sealed record AuditQuery(string? Action, string? Who, string? RepositoryPrefix);
