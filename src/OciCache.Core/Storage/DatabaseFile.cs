namespace OciCache.Storage;

/// <summary>
/// The metadata database file as it was when the process opened it. SQLite keeps writing to the file it
/// has open, so a database deleted or replaced at runtime (a mistaken <c>rm</c>, a restore over it) took
/// every later write into a file no restart would see again: pushes were acknowledged and then lost, and
/// garbage collection after the restart deleted the blobs no metadata knew. <see cref="Probe"/> compares
/// the path with the file opened (device and inode); readiness fails and writes are refused while they
/// differ.
/// </summary>
public sealed class DatabaseFile : IMetadataHealth
{
    private readonly FileIdentity? _opened;
    private readonly SqliteDatabase _database;

    /// <param name="database">Opened (and so created) before its identity is taken.</param>
    public DatabaseFile(SqliteDatabase database, IBlobStore store)
    {
        _database = database;
        Path = database.Path;
        _opened = FileIdentity.Of(Path);
        StartedWithoutMetadata = database.CreatedNew && store.EnumerateFiles(StoreArea.Blobs).Any();
    }

    public string Path { get; }

    /// <summary>
    /// The database was created at this start beside a store that already held blobs: the metadata of that
    /// content is gone (the database was deleted or lost), so those blobs are not leftovers to collect.
    /// </summary>
    public bool StartedWithoutMetadata { get; }

    /// <summary>
    /// Unknown blob files may be deleted as leftovers of interrupted writes only while the metadata is the
    /// one that knew them: not after a start without it, nor while the file in use was deleted or replaced.
    /// </summary>
    public bool MayCollectUnknownBlobs => !StartedWithoutMetadata && Probe() is null;

    public string? WriteRefusal => Probe();

    public ValueTask<string?> ProbeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Probe());

    /// <summary>SQLite's <c>integrity_check</c> and <c>foreign_key_check</c>, each failure a problem.</summary>
    public Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        using var connection = _database.Open();
        using var integrity = connection.CreateCommand();
        integrity.CommandText = "PRAGMA integrity_check";
        if (integrity.ExecuteScalar() as string is not "ok" and var result)
        {
            problems.Add($"SQLite integrity check failed: {result}");
        }

        using var foreignKeys = connection.CreateCommand();
        foreignKeys.CommandText = "PRAGMA foreign_key_check";
        using var reader = foreignKeys.ExecuteReader();
        while (reader.Read())
        {
            problems.Add($"SQLite foreign key violation in table {reader.GetString(0)}");
        }

        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    /// <summary>Null while the path is still the file that was opened, otherwise why it is not.</summary>
    public string? Probe()
    {
        var now = FileIdentity.Of(Path);
        if (now is null)
        {
            return $"the metadata database {Path} was deleted while in use; restart once it is restored";
        }

        return _opened is { } opened && now != opened
            ? $"the metadata database {Path} was replaced while in use; restart to open the new one"
            : null;
    }
}
