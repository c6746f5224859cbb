using Microsoft.Data.Sqlite;
using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The robot store contract on a real SQLite file.</summary>
public sealed class SqliteRobotStoreTests : RobotStoreContract
{
    private readonly List<SqliteDatabase> _databases = [];

    protected override IRobotStore Create(string folder)
    {
        var database = new SqliteDatabase(Path.Combine(folder, "ocicache.db"));
        _databases.Add(database);
        return new SqliteRobotStore(database);
    }

    public override void Dispose()
    {
        _databases.ForEach(d => d.Dispose());
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }
}
