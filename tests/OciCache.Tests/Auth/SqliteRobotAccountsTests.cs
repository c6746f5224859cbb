using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using OciCache.Auth;
using OciCache.Storage;

namespace OciCache.Tests.Auth;

/// <summary>The robot account contract on a real SQLite file, and what only the SQLite store promises.</summary>
public sealed class SqliteRobotAccountsTests : RobotAccountsContract
{
    private readonly List<SqliteDatabase> _databases = [];

    private string DatabasePath => Temp.Combine("ocicache.db");

    protected override IRobotAccounts Create(string folder, TimeProvider time)
    {
        var database = new SqliteDatabase(Path.Combine(folder, "ocicache.db"));
        _databases.Add(database);
        return new RobotAccounts(new SqliteRobotStore(database), time);
    }

    public override void Dispose()
    {
        _databases.ForEach(d => d.Dispose());
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }

    [Fact]
    public async Task Add_StoresTheSha256OfTheSecret_NeverTheSecret()
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT secret_hash, scopes FROM robots WHERE name = 'ci'";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), (byte[])reader.GetValue(0));
        Assert.Equal("""["repository:site/*:pull"]""", reader.GetString(1));
        reader.Close();
        connection.Close();

        SqliteConnection.ClearAllPools(); // everything is in the files now
        var files = Directory.GetFiles(Temp.Path, "ocicache.db*").SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(files.AsSpan().IndexOf(SHA256.HashData(Encoding.UTF8.GetBytes(secret))) >= 0, "the hash is in the files (the search works)");
        Assert.True(files.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, "the secret is not in the database files");
        var random = Convert.FromBase64String(secret[RobotSecret.Prefix.Length..].Replace('-', '+').Replace('_', '/') + "=");
        Assert.True(files.AsSpan().IndexOf(random) < 0, "the secret's bytes are not in the database files");
    }

    [Fact]
    public async Task Verify_StoredScopeThatNoLongerParses_IsLeftOut()
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);
        using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """UPDATE robots SET scopes = '["repository:site/*:pull","repository:Bad:everything"]'""";
            command.ExecuteNonQuery();
        }

        var account = await Accounts.VerifyAsync("ci", secret, default);

        Assert.Equal(Scopes("repository:site/*:pull"), account!.Scopes);
    }
}
