using Microsoft.Data.Sqlite;
using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The pin store contract on a real SQLite file.</summary>
public sealed class SqlitePinStoreTests : PinStoreContract
{
    private readonly List<SqliteDatabase> _databases = [];

    protected override IPinStore Create(string folder)
    {
        var database = new SqliteDatabase(Path.Combine(folder, "ocicache.db"));
        _databases.Add(database);
        return new SqlitePinStore(database);
    }

    public override void Dispose()
    {
        _databases.ForEach(d => d.Dispose());
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }
}
