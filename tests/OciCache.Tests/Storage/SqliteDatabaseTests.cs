using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>Schema migrations of <see cref="SqliteDatabase"/>.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private static readonly Repository App = Repository.Local("app");

    private readonly TempDirectory _temp = new("sqlite-database");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    /// <summary>Rows from before the descriptor cut kept megabytes of annotations inline (issue 11, item 3).</summary>
    [Fact]
    public async Task Open_Version2WithAnnotationsOverTheDescriptorCut_CutsThemAndIsCurrentVersion()
    {
        var path = _temp.Combine("meta.db");
        var large = Digest.ComputeSha256([1]);
        var small = Digest.ComputeSha256([2]);
        var filler = new string('f', 1024 * 1024);
        using (var database = new SqliteDatabase(path))
        {
            var index = new SqliteMetadataIndex(database, TimeProvider.System);
            await index.PutManifestAsync(App, new ManifestRecord(large, MediaTypes.OciManifest, 10), [], null);
            await index.PutManifestAsync(App, new ManifestRecord(small, MediaTypes.OciManifest, 10) { AnnotationsJson = """{"a":"b"}""" }, [], null);
            Execute(database, "UPDATE manifests SET annotations = $a WHERE digest = $d; PRAGMA user_version = 2;",
                ("$a", $$"""{"kept":"yes","filler":"{{filler}}"}"""), ("$d", large.ToString()));
        }

        SqliteConnection.ClearAllPools();
        using var reopened = new SqliteDatabase(path);
        var migrated = new SqliteMetadataIndex(reopened, TimeProvider.System);

        Assert.Equal("""{"kept":"yes"}""", (await migrated.GetManifestAsync(App, large))!.AnnotationsJson);
        Assert.Equal("""{"a":"b"}""", (await migrated.GetManifestAsync(App, small))!.AnnotationsJson);
        using var connection = reopened.Open();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteDatabase.SchemaVersion, (long)version.ExecuteScalar()!);
    }

    /// <summary>Version 4 adds the robot accounts; a version 3 database keeps its content and gains the table.</summary>
    [Fact]
    public async Task Open_VersionBeforeApiKeys_AddsTheApiKeysTableAndKeepsTheRobots()
    {
        var path = _temp.Combine("meta.db");
        using (var database = new SqliteDatabase(path))
        {
            var scopes = OciCache.Auth.RobotScope.TryParse("repository:site/*:pull", out var scope, out _) ? new[] { scope } : [];
            await new OciCache.Auth.RobotAccounts(new SqliteRobotStore(database), TimeProvider.System).AddAsync("ci", scopes, null, default);
            Execute(database, $"DROP TABLE api_keys; PRAGMA user_version = {SqliteDatabase.ApiKeysVersion - 1};");
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'api_keys'"));
        using var reopened = new SqliteDatabase(path);

        Assert.Equal((long)SqliteDatabase.SchemaVersion, Scalar(path, "PRAGMA user_version;"));
        Assert.Single(await new OciCache.Auth.RobotAccounts(new SqliteRobotStore(reopened), TimeProvider.System).ListAsync(default));
        var keys = new OciCache.Auth.ApiKeys(new SqliteApiKeyStore(reopened), TimeProvider.System);
        var pull = OciCache.Auth.RobotScope.TryParse("repository:site/*:pull", out var p, out _) ? p : null!;
        var (_, key) = await keys.CreateAsync("alice", "laptop", [pull], [], DateTimeOffset.UtcNow.AddDays(1), default);
        Assert.NotNull(await keys.VerifyAsync("alice", key, default));
    }

    [Fact]
    public async Task Open_Version3_AddsTheRobotsTableAndKeepsTheMetadata()
    {
        var path = _temp.Combine("meta.db");
        var digest = Digest.ComputeSha256([3]);
        using (var database = new SqliteDatabase(path))
        {
            await new SqliteMetadataIndex(database, TimeProvider.System).PutManifestAsync(App, new ManifestRecord(digest, MediaTypes.OciManifest, 10), [], null);
            Execute(database, "DROP TABLE robots; PRAGMA user_version = 3;");
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'robots'"));
        using var reopened = new SqliteDatabase(path);

        Assert.Equal((long)SqliteDatabase.SchemaVersion, Scalar(path, "PRAGMA user_version;"));
        Assert.NotNull(await new SqliteMetadataIndex(reopened, TimeProvider.System).GetManifestAsync(App, digest));
        var robots = new OciCache.Auth.RobotAccounts(new SqliteRobotStore(reopened), TimeProvider.System);
        var scopes = OciCache.Auth.RobotScope.TryParse("repository:site/*:pull", out var scope, out _) ? new[] { scope } : [];
        var (_, secret) = await robots.AddAsync("ci", scopes, null, default);
        Assert.NotNull(await robots.VerifyAsync("ci", secret, default));
    }

    [Fact]
    public void Open_DatabaseOfANewerVersion_IsRefusedNamingBothVersions()
    {
        var path = _temp.Combine("meta.db");
        using (var database = new SqliteDatabase(path))
        {
            Execute(database, $"PRAGMA user_version = {SqliteDatabase.SchemaVersion + 1};");
        }

        SqliteConnection.ClearAllPools();
        var thrown = Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(path));

        Assert.Contains($"schema version {SqliteDatabase.SchemaVersion + 1}, newer than this ocicache ({SqliteDatabase.SchemaVersion})", thrown.Message);
    }

    [Fact]
    public void Open_Version4_AddsTheTrafficHistoryTableAndKeepsTheRobots()
    {
        var path = _temp.Combine("meta.db");
        using (var database = new SqliteDatabase(path))
        {
            Execute(database, "DROP TABLE traffic_history; INSERT INTO robots VALUES ('ci', x'00', '[]', 1, NULL); PRAGMA user_version = 4;");
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'traffic_history'"));
        using var reopened = new SqliteDatabase(path);

        Assert.Equal((long)SqliteDatabase.SchemaVersion, Scalar(path, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'traffic_history'"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM robots"));
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteDatabase database, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
