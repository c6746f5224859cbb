using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OciCache.IntegrationTests;

/// <summary>The <c>ocicache</c> executable: flags, environment, validation messages and log output.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _temp = new("cli");

    [Theory]
    [InlineData("--no-such-flag", "--no-such-flag")]
    [InlineData("--listen=nonsense", "Listen (--listen)")]
    [InlineData("--upstream=docker.io", "--upstream")]
    [InlineData("--upstream=docker.io=ftp://x", "Upstreams:docker.io:Url")]
    [InlineData("--log-format=xml", "xml")]
    public async Task Serve_WithBadArguments_ExitsTwoNamingThem(string argument, string named)
    {
        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["serve", "--data", _temp.Path, argument], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.Stderr + result.Stdout);
    }

    [Theory]
    [InlineData("OCICACHE_UPLOADS__MAXSESSIONS", "0", "Uploads:MaxSessions: 0 must be more than zero.")]
    [InlineData("OCICACHE_STORAGE__LOWWATERPERCENT", "5", "Storage:LowWaterPercent: 5 is not between 10 and 100.")]
    [InlineData("OCICACHE_UPSTREAMPOLICY__TOTALTIMEOUT", "1s", "UpstreamPolicy:TotalTimeout must be at least UpstreamPolicy:ResponseTimeout.")]
    public async Task Serve_BadValue_FailsAtStartNamingTheKey(string variable, string value, string message)
    {
        var env = new Dictionary<string, string> { [variable] = value };

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["serve", "--listen", "127.0.0.1:0", "--data", _temp.Path], TimeSpan.FromSeconds(30), env);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"ocicache: {message}", Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r'));
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "blobs")), "a server that does not start opens no data folder");
    }

    [Fact]
    public async Task Serve_UnknownEnvironmentKey_FailsAtStartNamingItAndTheNearestKnownKey()
    {
        var env = new Dictionary<string, string> { ["OCICACHE_STORAGE__MAXCACHEBYTE"] = "5" };

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["serve", "--listen", "127.0.0.1:0", "--data", _temp.Path], TimeSpan.FromSeconds(30), env);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("OCICACHE_STORAGE__MAXCACHEBYTE ", line);
        Assert.Contains("OCICACHE_STORAGE__MAXCACHEBYTES", line);
    }

    [Fact]
    public async Task Serve_PortInUse_ExitsTwoWithOneLineNamingTheAddress()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["serve", "--listen", $"127.0.0.1:{port}", "--data", _temp.Path], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr); // no stack trace anywhere
    }

    [Fact]
    public async Task Serve_TakesSettingsFromEnvironment_AndFlagsWin()
    {
        var env = new Dictionary<string, string> { ["OCICACHE_DATA"] = _temp.Combine("from-env"), ["OCICACHE_LOG__FORMAT"] = "json" };
        await using var server = await OciCacheProcess.StartAsync(_temp.Combine("from-flag"), environment: env);

        // --data from the flag wins over OCICACHE_DATA; the log format comes from the environment.
        Assert.True(Directory.Exists(_temp.Combine("from-flag", "blobs")));
        Assert.False(Directory.Exists(_temp.Combine("from-env")));
        Assert.All(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task Serve_LogsOneLinePerRequest_AsJsonWhenAsked()
    {
        await using var server = await OciCacheProcess.StartAsync(_temp.Path, ["--log-format", "json"]);
        using var client = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await client.GetAsync("/v2/some/repo/manifests/missing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var line = await server.WaitForOutputAsync("/v2/some/repo/manifests/missing");
        Assert.Single(server.Output.Split('\n'), l => l.Contains("/v2/some/repo/manifests/missing"));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("GET", json.RootElement.GetProperty("Method").GetString());
        Assert.Equal(404, json.RootElement.GetProperty("Status").GetInt32());
        Assert.True(json.RootElement.GetProperty("Bytes").GetInt64() > 0);
        Assert.True(json.RootElement.TryGetProperty("ElapsedMs", out _));
    }

    [Fact]
    public async Task Serve_AtWarningLevel_LogsNothingPerRequest()
    {
        await using var server = await OciCacheProcess.StartAsync(_temp.Path, ["--log-level", "Warning"], port: OciCacheProcess.FreePort());
        using var client = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await client.GetAsync("/v2/quiet/repo/manifests/missing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        // Stopped, the process has written all it ever will, and its output was read to the end.
        await server.StopAsync();
        Assert.DoesNotContain("/v2/quiet/repo", server.Output);
    }

    [Theory]
    [InlineData("--no-such-flag")]
    [InlineData("no-such-command")]
    public async Task AnyCommand_UsageError_ExitsTwo(string argument)
    {
        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", argument], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(argument, result.Stderr);
    }

    [Fact]
    public async Task ConfigCheck_GoodConfig_ExitsZeroPrintingEffectiveSettingsWithSecretsMasked()
    {
        var file = _temp.Combine("good.json");
        File.WriteAllText(file, """
            {"Listen":"127.0.0.1:6000","Data":"DATA","Cache":{"TagRevalidateInterval":"5m"},
             "Upstreams":{"hq":{"Url":"https://ci:url-secret@hq.example","Username":"ci","Password":"upstream-secret"}},
             "Auth":{"Oidc":{"Issuer":"https://id.example","ClientId":"ocicache","ClientSecret":"oidc-secret"}}}
            """.Replace("DATA", _temp.Combine("data"), StringComparison.Ordinal));
        var env = new Dictionary<string, string> { ["OCICACHE_STORAGE__MAXCACHEBYTES"] = "1000" };

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["config", "check", "--config", file], TimeSpan.FromSeconds(30), env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Stdout + result.Stderr;
        Assert.Contains("Listen = 127.0.0.1:6000", output);
        Assert.Contains("Cache:TagRevalidateInterval = 00:05:00", output);
        Assert.Contains("Cache:MaxStaleness = 30.00:00:00", output); // a default, shown too
        Assert.Contains("Storage:MaxCacheBytes = 1000", output); // from the environment
        Assert.Contains("Upstreams:hq:Username = ci", output);
        Assert.Contains("Upstreams:hq:Password = ***", output);
        Assert.Contains("Auth:Oidc:ClientSecret = ***", output);
        Assert.Contains("Upstreams:hq:Url = https://ci:***@hq.example", output);
        Assert.DoesNotContain("url-secret", output);
        Assert.DoesNotContain("upstream-secret", output);
        Assert.DoesNotContain("oidc-secret", output);
        Assert.False(Directory.Exists(_temp.Combine("data")), "config check must not create the data folder");
    }

    [Fact]
    public async Task ConfigCheck_BadConfig_ExitsTwoNamingTheKey()
    {
        var file = _temp.Combine("bad.json");
        File.WriteAllText(file, """{"Cache":{"TagRevalidateInterval":"ten minutes"},"Uploads":{"MaxSessions":0}}""");

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["config", "check", "--config", file], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Cache:TagRevalidateInterval", result.Stderr);
        Assert.DoesNotContain("System.TimeSpan", result.Stderr);
    }

    public void Dispose() => _temp.Dispose();
}
