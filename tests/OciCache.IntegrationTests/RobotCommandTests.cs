using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.Storage;

namespace OciCache.IntegrationTests;

/// <summary>The <c>ocicache robot</c> commands, run as the built executable on a real data folder.</summary>
public sealed class RobotCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new("robot-cli");

    private string Data => _temp.Combine("data");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Robot_AddListRemove_SecretPrintedOnceAndNeverStoredListedOrAudited()
    {
        var added = await RunAsync("robot", "add", "ci", "--scope", "repository:site/*:pull,push", "--scope", "repository:docker.io/**:pull",
            "--expires", "90d", "--data", Data);

        Assert.True(added.ExitCode == 0, added.ToString());
        var secret = Assert.Single(added.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        Assert.StartsWith(RobotSecret.Prefix, secret);
        Assert.Contains("skopeo login -u 'robot$ci'", added.Stderr);
        Assert.DoesNotContain(secret, added.Stderr);
        Assert.NotNull(await VerifyAsync("ci", secret)); // the printed secret is the one that works

        var listed = await RunAsync("robot", "list", "--data", Data);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var row = Assert.Single(listed.Stdout.Split('\n'), l => l.StartsWith("ci ", StringComparison.Ordinal));
        Assert.Contains("repository:site/*:pull,push repository:docker.io/**:pull", row);
        Assert.EndsWith("no", row.TrimEnd());
        Assert.Matches(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row);
        Assert.DoesNotContain(secret, listed.Stdout + listed.Stderr);

        // The database files hold the secret's SHA-256 (so the search below can find what is there) and
        // neither the secret's text nor its random bytes.
        var database = DatabaseBytes();
        Assert.True(database.AsSpan().IndexOf(SHA256.HashData(Encoding.UTF8.GetBytes(secret))) >= 0, "the hash is in the database files");
        Assert.True(database.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, "the secret is in the database files");
        Assert.True(database.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret[RobotSecret.Prefix.Length..])) < 0, "the secret's random part is in the database files");
        Assert.True(database.AsSpan().IndexOf(Base64UrlDecode(secret[RobotSecret.Prefix.Length..])) < 0, "the secret's bytes are in the database files");

        var removed = await RunAsync("robot", "remove", "robot$ci", "--data", Data);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Null(await VerifyAsync("ci", secret));
        var again = await RunAsync("robot", "remove", "ci", "--data", Data);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("no robot account 'ci'", again.Stderr);
        Assert.DoesNotContain("ci ", (await RunAsync("robot", "list", "--data", Data)).Stdout);

        var audit = await File.ReadAllTextAsync(Path.Combine(Data, "audit.log"));
        Assert.DoesNotContain(secret, audit);
        Assert.DoesNotContain(secret[RobotSecret.Prefix.Length..], audit);
        var events = audit.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["robot.add ok", "robot.remove ok", "robot.remove failed"],
            events.Select(e => $"{e.GetProperty("action").GetString()} {e.GetProperty("result").GetString()}"));
        Assert.All(events, e => Assert.Equal(Environment.UserName, e.GetProperty("who").GetString()));
        Assert.All(events, e => Assert.StartsWith("robot$ci", e.GetProperty("detail").GetString()));
        Assert.Contains("repository:site/*:pull,push", events[0].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RobotAdd_ExistingName_ExitsOneAndKeepsTheFirstSecret()
    {
        var first = await RunAsync("robot", "add", "ci", "--scope", "repository:site/*:pull", "--data", Data);
        var secret = first.Stdout.Trim();

        var second = await RunAsync("robot", "add", "ci", "--scope", "repository:**:*", "--data", Data);

        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains("'ci' exists", second.Stderr);
        Assert.Equal("", second.Stdout);
        var kept = await VerifyAsync("ci", secret);
        Assert.Equal("repository:site/*:pull", Assert.Single(kept!.Scopes).ToString());
        Assert.Contains("\"result\":\"failed\"", await File.ReadAllTextAsync(Path.Combine(Data, "audit.log")));
    }

    /// <summary>The sign-in hint names where clients reach this server, not an example host.</summary>
    [Theory]
    [InlineData("""{"Auth":{"ExternalUrl":"https://registry.site.test:8443"}}""", "registry.site.test:8443")]
    [InlineData("""{"Listen":"0.0.0.0:5020"}""", ":5020")]
    public async Task RobotAdd_SignInHint_NamesAuthExternalUrlOrTheListenPort(string config, string address)
    {
        var configFile = _temp.Combine("config.json");
        File.WriteAllText(configFile, config);

        var added = await RunAsync("robot", "add", "ci", "--scope", "repository:site/*:pull", "--config", configFile, "--data", Data);

        Assert.True(added.ExitCode == 0, added.ToString());
        var login = Assert.Single(added.Stderr.Split('\n'), l => l.Contains("skopeo login", StringComparison.Ordinal));
        Assert.EndsWith(address, login.TrimEnd());
        Assert.DoesNotContain("ocicache.lan", added.Stderr);
    }

    [Theory]
    [InlineData("'CI' is not a robot account name", "robot", "add", "CI", "--scope", "repository:site/*:pull")]
    [InlineData("'PULL' must be lower case", "robot", "add", "ci", "--scope", "repository:site/*:PULL")]
    [InlineData("no actions", "robot", "add", "ci", "--scope", "repository:site/*:")]
    [InlineData("'--scope' is required", "robot", "add", "ci")]
    [InlineData("--expires: '90x'", "robot", "add", "ci", "--scope", "repository:site/*:pull", "--expires", "90x")]
    [InlineData("has passed", "robot", "add", "ci", "--scope", "repository:site/*:pull", "--expires", "2020-01-01")]
    [InlineData("Required command was not provided", "robot")]
    [InlineData("--nonsense", "robot", "list", "--nonsense")]
    [InlineData("Required argument missing", "robot", "remove")]
    public async Task Robot_BadArguments_ExitTwoNamingTheProblemAndCreateNothing(string problem, params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--data", Data]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(problem, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(Data));
    }

    [Theory]
    [InlineData("list")]
    [InlineData("remove", "ci")]
    public async Task Robot_DataFolderMissing_ExitsTwoAndCreatesNone(params string[] arguments)
    {
        var result = await RunAsync(["robot", .. arguments, "--data", Data]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"the data folder '{Data}' does not exist", result.Stderr);
        Assert.False(Directory.Exists(Data));
    }

    [Fact]
    public async Task RobotList_ExpiredAccount_SaysSo()
    {
        Directory.CreateDirectory(Data);
        using (var database = new SqliteDatabase(Path.Combine(Data, "ocicache.db")))
        {
            var past = new FakeTimeProvider(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
            RobotScope.TryParse("repository:site/*:pull", out var scope, out _);
            await new RobotAccounts(new SqliteRobotStore(database), past).AddAsync("old", [scope!], past.GetUtcNow().AddDays(1), default);
        }

        SqliteConnection.ClearAllPools();
        var listed = await RunAsync("robot", "list", "--data", Data);

        Assert.True(listed.ExitCode == 0, listed.ToString());
        var row = Assert.Single(listed.Stdout.Split('\n'), l => l.StartsWith("old ", StringComparison.Ordinal));
        Assert.Contains("2020-01-01T00:00:00Z  2020-01-02T00:00:00Z  yes", row);
    }

    /// <summary>The commands share the database and the audit log with a running server.</summary>
    [Fact]
    public async Task RobotAdd_WhileTheServerRuns_Succeeds()
    {
        await using var server = await OciCacheProcess.StartAsync(Data);

        var added = await RunAsync("robot", "add", "ci", "--scope", "repository:site/*:pull", "--data", Data);

        Assert.True(added.ExitCode == 0, added.ToString());
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        Assert.True((await client.GetAsync("/readyz")).IsSuccessStatusCode, "the server is still ready");
        Assert.NotNull(await VerifyAsync("ci", added.Stdout.Trim()));
    }

    private static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(OciCacheProcess.Executable, arguments, TimeSpan.FromSeconds(60));

    private async Task<RobotAccount?> VerifyAsync(string name, string secret)
    {
        using var database = new SqliteDatabase(Path.Combine(Data, "ocicache.db"));
        var account = await new RobotAccounts(new SqliteRobotStore(database), TimeProvider.System).VerifyAsync(name, secret, default);
        SqliteConnection.ClearAllPools();
        return account;
    }

    private byte[] DatabaseBytes() =>
        [.. Directory.GetFiles(Data, "ocicache.db*").OrderBy(f => f, StringComparer.Ordinal).SelectMany(File.ReadAllBytes)];

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
