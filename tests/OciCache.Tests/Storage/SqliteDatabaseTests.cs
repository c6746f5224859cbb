using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>Schema migrations of <see cref="SqliteDatabase"/>.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TempDirectory _temp = new("sqlite-database");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    /// <summary>Rows from before the descriptor cut kept megabytes of annotations inline (issue 11, item 3).</summary>
    [Fact]
    public void Open_Version2WithAnnotationsOverTheDescriptorCut_CutsThemAndIsVersion3()
    {
        var path = _temp.Combine("meta.db");
        var large = Digest.ComputeSha256([1]);
        var small = Digest.ComputeSha256([2]);
        var filler = new string('f', 1024 * 1024);
        using (var database = new SqliteDatabase(path))
        {
            var index = new SqliteMetadataIndex(database, TimeProvider.System);
            index.PutManifest("app", null, new ManifestRecord(large, MediaTypes.OciManifest, 10), [], null);
            index.PutManifest("app", null, new ManifestRecord(small, MediaTypes.OciManifest, 10) { AnnotationsJson = """{"a":"b"}""" }, [], null);
            Execute(database, "UPDATE manifests SET annotations = $a WHERE digest = $d; PRAGMA user_version = 2;",
                ("$a", $$"""{"kept":"yes","filler":"{{filler}}"}"""), ("$d", large.ToString()));
        }

        SqliteConnection.ClearAllPools();
        using var reopened = new SqliteDatabase(path);
        var migrated = new SqliteMetadataIndex(reopened, TimeProvider.System);

        Assert.Equal("""{"kept":"yes"}""", migrated.GetManifest("app", large)!.AnnotationsJson);
        Assert.Equal("""{"a":"b"}""", migrated.GetManifest("app", small)!.AnnotationsJson);
        using var connection = reopened.Open();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal(3L, (long)version.ExecuteScalar()!);
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
