using OciCache.Hosting;

namespace OciCache.Tests.Hosting;

public sealed class SettingsTests : IDisposable
{
    private readonly TempDirectory _temp = new("settings");

    [Fact]
    public void Load_WithNothing_UsesDefaultsAndTheFourUpstreams()
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?>());

        Assert.Equal("0.0.0.0:5000", settings.Listen);
        Assert.Equal("./data", settings.Data);
        Assert.Equal(["docker.io", "ghcr.io", "quay.io", "registry.k8s.io"], settings.EffectiveUpstreams.Keys.Order());
    }

    [Fact]
    public void Load_FlagsWinOverFile()
    {
        var file = _temp.Combine("config.json");
        File.WriteAllText(file, """
            {"Listen":"127.0.0.1:6000","Data":"/srv/cache","Upstreams":{"docker.io":{"Url":"https://mirror.example","Aliases":["docker-hub"]}}}
            """);

        var settings = SettingsLoader.Load(file, new Dictionary<string, string?> { ["Listen"] = "127.0.0.1:7000" });

        Assert.Equal("127.0.0.1:7000", settings.Listen);
        Assert.Equal("/srv/cache", settings.Data);
        Assert.Equal(["docker.io"], settings.EffectiveUpstreams.Keys);
        Assert.Equal(["docker-hub"], settings.Upstreams["docker.io"].Aliases);
    }

    [Theory]
    [InlineData("Listen", "nohost", "Listen (--listen)")]
    [InlineData("Listen", "127.0.0.1:70000", "Listen (--listen)")]
    [InlineData("Log:Format", "xml", "Log:Format")]
    [InlineData("Log:Level", "loud", "Log:Level")]
    [InlineData("Upstreams:x.io:Url", "ftp://x.io", "Upstreams:x.io:Url")]
    [InlineData("Uploads:MaxSessions", "0", "Uploads:MaxSessions")]
    [InlineData("Uploads:MaxSessionsPerClient", "-1", "Uploads:MaxSessionsPerClient")]
    [InlineData("Metadata:Backend", "mysql", "Metadata:Backend")]
    [InlineData("Metadata:Backend", "postgres", "Metadata:Postgres:ConnectionString")]
    [InlineData("Metadata:Postgres:ConnectionStringFile", "/nonexistent/pg.conn", "Metadata:Postgres:ConnectionStringFile")]
    [InlineData("Cluster:AdvertiseUrl", "10.0.0.5:5000", "Cluster:AdvertiseUrl")]
    [InlineData("Cluster:AdvertiseUrl", "http://10.0.0.5:5000", "Cluster:Secret")]
    [InlineData("Cluster:Secret", "short-secret", "Cluster:Secret")]
    [InlineData("Cluster:SecretFile", "/nonexistent/cluster.secret", "Cluster:SecretFile")]
    [InlineData("Cluster:LeaseTimeout", "0s", "Cluster:LeaseTimeout")]
    public void Load_BadValue_FailsNamingTheKey(string key, string value, string named)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(error.Errors, e => e.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ShortClusterSecret_FailsWithoutQuotingIt()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { ["Cluster:Secret"] = "hunter2-but-longer" }));

        Assert.Contains(error.Errors, e => e.StartsWith("Cluster:Secret:", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Theory]
    [InlineData("30s", 0, 0, 30)]
    [InlineData("10m", 0, 10, 0)]
    [InlineData("2h", 2, 0, 0)]
    [InlineData("00:10:00", 0, 10, 0)]
    public void Load_DurationWithUnitOrClock_IsAccepted(string value, int hours, int minutes, int seconds)
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?> { ["Cache:TagRevalidateInterval"] = value });

        Assert.Equal(new TimeSpan(hours, minutes, seconds), settings.Cache.TagRevalidateInterval);
    }

    [Fact]
    public void Load_DurationInDays_IsAccepted()
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?> { ["Cache:MaxStaleness"] = "1d" });

        Assert.Equal(TimeSpan.FromDays(1), settings.Cache.MaxStaleness);
    }

    [Theory]
    [InlineData("10 minutes")]
    [InlineData("10x")]
    [InlineData("m")]
    public void Load_DurationInNoKnownForm_FailsNamingTheKeyAndTheForms(string value)
    {
        var error = Assert.Throws<SettingsException>(() =>
            SettingsLoader.Load(null, new Dictionary<string, string?> { ["UpstreamPolicy:BreakDuration"] = value }));

        var message = Assert.Single(error.Errors);
        Assert.StartsWith("UpstreamPolicy:BreakDuration", message, StringComparison.Ordinal);
        Assert.Contains("hh:mm:ss", message);
        Assert.Contains("10m", message);
        Assert.DoesNotContain("System.TimeSpan", message);
    }

    [Fact]
    public void Load_ShortFormInAStringSetting_IsLeftAsWritten()
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?> { ["Upstreams:x.io:Url"] = "https://x.io", ["Upstreams:x.io:Username"] = "u", ["Upstreams:x.io:Password"] = "10m" });

        Assert.Equal("10m", settings.Upstreams["x.io"].Password);
    }

    [Theory]
    [InlineData("""{"Storage":{"MaxCacheByte":5}}""", "Storage:MaxCacheByte", "Storage:MaxCacheBytes")]
    [InlineData("""{"Listn":"127.0.0.1:6000"}""", "Listn", "Listen")]
    [InlineData("""{"Cache":{"TagRevalidateIntervall":"00:01:00"}}""", "Cache:TagRevalidateIntervall", "Cache:TagRevalidateInterval")]
    [InlineData("""{"Upstreams":{"x.io":{"Url":"https://x.io","Usename":"u"}}}""", "Upstreams:x.io:Usename", "Upstreams:x.io:Username")]
    [InlineData("""{"Prefetch":{"Images":[{"Image":"x.io/a","Platform":["linux/amd64"]}]}}""", "Prefetch:Images:0:Platform", "Prefetch:Images:0:Platforms")]
    [InlineData("""{"Log":{"Format":{"Kind":"json"}}}""", "Log:Format:Kind", "Log:Format")]
    public void Load_UnknownKeyInFile_FailsNamingItAndTheNearestKnownKey(string json, string unknown, string nearest)
    {
        var file = _temp.Combine("typo.json");
        File.WriteAllText(file, json);

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(file, new Dictionary<string, string?>()));

        var message = Assert.Single(error.Errors);
        Assert.StartsWith($"{unknown} (in --config", message);
        Assert.EndsWith($"the nearest known key is {nearest}.", message);
    }

    [Fact]
    public void Load_NamesOfUpstreamsAliasesAndListEntries_AreFree()
    {
        var file = _temp.Combine("names.json");
        File.WriteAllText(file, """
            {
              "Upstreams": {
                "registry.internal": { "Url": "https://registry.internal", "Aliases": ["internal", "corp"] },
                "Mirror_Of-Quay": { "Url": "https://quay.io" }
              },
              "Storage": { "Pins": ["registry.k8s.io/pause:*"] },
              "Prefetch": { "Images": [{ "Image": "registry.internal/app", "Tags": ["1.*"], "Platforms": ["linux/arm64"] }] }
            }
            """);

        var settings = SettingsLoader.Load(file, new Dictionary<string, string?>());

        Assert.Equal(["Mirror_Of-Quay", "registry.internal"], settings.Upstreams.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["internal", "corp"], settings.Upstreams["registry.internal"].Aliases);
        Assert.Equal(["linux/arm64"], Assert.Single(settings.Prefetch.Images).Platforms);
    }

    [Fact]
    public void SettingsShapeOf_RecordPropertyWithoutItsShape_Throws() =>
        Assert.Contains("WithUnmarkedRecord.Images", Assert.Throws<InvalidOperationException>(() => SettingsShape.Of<WithUnmarkedRecord>()).Message);

    [Fact]
    public void Load_PrefetchTagThatIsNoTag_FailsNamingTheKey()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Prefetch:Images:0:Image"] = "docker.io/library/nginx",
            ["Prefetch:Images:0:Tags:0"] = "1.*",
            ["Prefetch:Images:0:Tags:1"] = "../../_catalog",
        }));

        Assert.Equal("Prefetch:Images:0:Tags: '../../_catalog' is not a tag (nor a pattern with *).", Assert.Single(error.Errors));
    }

    [Fact]
    public void Load_PinWhoseStarCrossedSlash_IsAcceptedAsWritten()
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?> { ["Storage:Pins:0"] = "docker.io/library/*" });

        Assert.Equal(["docker.io/library/*"], settings.Storage.Pins);
    }

    [Theory]
    [InlineData("Docker.io/library/nginx")]
    [InlineData("docker.io//nginx")]
    [InlineData("docker.io/library/nginx:")]
    public void Load_PinThatIsNoPattern_FailsNamingTheKeyAndTheReason(string pin)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { ["Storage:Pins:0"] = pin }));

        Assert.StartsWith($"Storage:Pins: '{pin}': ", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasClaimedTwice_Fails()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Upstreams:a.io:Url"] = "https://a.io",
            ["Upstreams:a.io:Aliases:0"] = "mirror",
            ["Upstreams:b.io:Url"] = "https://b.io",
            ["Upstreams:b.io:Aliases:0"] = "mirror",
        }));

        Assert.Contains(error.Errors, e => e.Contains("'mirror' already routes"));
    }

    [Fact]
    public void Load_PostgresConnectionStringTwice_FailsWithoutQuotingIt()
    {
        var file = _temp.Combine("pg.conn");
        File.WriteAllText(file, "Host=127.0.0.1;Password=file-secret\n");
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Metadata:Backend"] = "postgres",
            ["Metadata:Postgres:ConnectionString"] = "Host=127.0.0.1;Password=inline-secret",
            ["Metadata:Postgres:ConnectionStringFile"] = file,
        }));

        Assert.Contains(error.Errors, e => e.StartsWith("Metadata:Postgres:ConnectionString:", StringComparison.Ordinal));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PostgresConnectionStringFile_IsReadWithoutItsLineEnd()
    {
        var file = _temp.Combine("pg.conn");
        File.WriteAllText(file, "Host=127.0.0.1;Database=oci\n");
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Metadata:Backend"] = "Postgres",
            ["Metadata:Postgres:ConnectionStringFile"] = file,
        });

        Assert.True(settings.Metadata.IsPostgres);
        Assert.Equal("Host=127.0.0.1;Database=oci", settings.Metadata.Postgres.Resolve());
    }

    [Fact]
    public void Load_MissingConfigFile_Fails() =>
        Assert.Contains("--config", Assert.Throws<SettingsException>(() => SettingsLoader.Load(_temp.Combine("none.json"), new Dictionary<string, string?>())).Message);

    [Fact]
    public void Load_MalformedConfigFile_Fails()
    {
        var file = _temp.Combine("bad.json");
        File.WriteAllText(file, "{ not json");

        Assert.Contains("not valid JSON", Assert.Throws<SettingsException>(() => SettingsLoader.Load(file, new Dictionary<string, string?>())).Message);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A section with a list of records that are no <see cref="OciCache.Settings.ISettingsSection"/>: its keys are unknown.</summary>
    private sealed record WithUnmarkedRecord : OciCache.Settings.ISettingsSection
    {
        public List<Unmarked> Images { get; set; } = [];
    }

    private sealed record Unmarked
    {
        public string Image { get; set; } = "";
    }
}
