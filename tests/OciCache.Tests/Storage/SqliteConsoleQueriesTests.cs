using Microsoft.Data.Sqlite;
using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The console queries contract on a real SQLite file.</summary>
public sealed class SqliteConsoleQueriesTests : ConsoleQueriesContract
{
    private SqliteDatabase? _database;

    protected override (IConsoleQueries Queries, IBlobIndex Blobs, IManifestIndex Manifests, IPullCounts Pulls) Create(string folder, TimeProvider time)
    {
        _database = new SqliteDatabase(Path.Combine(folder, "ocicache.db"));
        var index = new SqliteMetadataIndex(_database, time);
        return (new SqliteConsoleQueries(_database), index, index, new SqlitePullCounts(_database));
    }

    public override void Dispose()
    {
        _database?.Dispose();
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }
}
