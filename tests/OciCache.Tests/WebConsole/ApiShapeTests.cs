using System.Buffers;
using System.Text;
using System.Text.Json;
using OciCache.Access;
using OciCache.Storage;
using OciCache.Upstream;
using OciCache.WebConsole;
using OciCache.WebConsole.Api;

namespace OciCache.Tests.WebConsole;

/// <summary>The JSON shapes of the console's API, as scripts read them, and the helpers they show.</summary>
public sealed class ApiShapeTests
{
    private static readonly ConsoleViewer Anyone = new(Caller.Anonymous, false, false, null);

    [Fact]
    public void OverviewJson_AnUpstream_HasEveryFieldWithItsType()
    {
        var health = new UpstreamHealthSnapshot(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), null, null);
        var data = new OverviewData(false, false,
            [new UpstreamStatus("docker.io", "https://registry-1.docker.io/", "reachable", health, 76, 100, TimeSpan.FromHours(6), 3, 1, 4, 3000, 1000)],
            [new FillStatus("sha256:ab", "docker.io/library/nginx", "Filling", 10, 100)])
        {
            Version = "1.0.0",
            StartedAt = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero),
            Uptime = TimeSpan.FromHours(2),
            CertificateNotAfter = new DateTimeOffset(2029, 3, 1, 0, 0, 0, TimeSpan.Zero),
        };

        var json = Write(w => OverviewJson.Write(w, data, Anyone));

        Assert.Equal(
            """{"viewer":{"accessControl":false,"readOnly":true,"who":null,"admin":false},"offline":false,"server":{"version":"1.0.0","startedAt":"2026-12-01T10:00:00.000Z","uptimeSeconds":7200,"certificateNotAfter":"2029-03-01T00:00:00.000Z","accessControl":false,"offline":false},"upstreams":[{"name":"docker.io","url":"https://registry-1.docker.io/","state":"reachable","lastSuccess":"2026-12-01T12:00:00.000Z","lastError":null,"lastErrorReason":null,"rateLimit":{"remaining":76,"limit":100,"windowSeconds":21600},"requests":4,"hits":3,"misses":1,"hitRatio":0.75,"servedBytes":3000,"fetchedBytes":1000}],"fills":[{"digest":"sha256:ab","repository":"docker.io/library/nginx","phase":"Filling","receivedBytes":10,"totalBytes":100}]}""",
            json);
    }

    [Fact]
    public void HistoryJson_Buckets_AreListedWithTheirStartAndCounts()
    {
        var bucket = new TrafficBucket(new DateTimeOffset(2026, 12, 1, 12, 1, 0, TimeSpan.Zero), "ghcr.io", 1, 2, 3, 4);

        var json = Write(w => OverviewJson.WriteHistory(w, "24h", TrafficResolution.Minute, [bucket]));

        Assert.Equal("""{"range":"24h","bucketSeconds":60,"buckets":[{"start":"2026-12-01T12:01:00.000Z","upstream":"ghcr.io","hits":1,"misses":2,"servedBytes":3,"fetchedBytes":4}]}""", json);
    }

    [Theory]
    [InlineData(null, null, "reachable")]
    [InlineData("2026-12-01T12:00:00Z", null, "reachable")]
    [InlineData("2026-12-01T12:00:00Z", "2026-12-01T12:01:00Z", "degraded")]
    [InlineData("2026-12-01T12:02:00Z", "2026-12-01T12:01:00Z", "reachable")]
    public void State_LastSuccessAndError_ReachableOrDegraded(string? success, string? error, string expected)
    {
        var snapshot = new UpstreamHealthSnapshot(success is null ? null : DateTimeOffset.Parse(success), error is null ? null : DateTimeOffset.Parse(error), error is null ? null : "Timeout: no response in time");

        Assert.Equal(expected, snapshot.State(broken: false));
        Assert.Equal("down", snapshot.State(broken: true));
    }

    [Fact]
    public void UpstreamHealth_NotFoundAndOffline_AreNotOutages()
    {
        var health = new UpstreamHealth();
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        health.Record(new UpstreamFailure(UpstreamFailureKind.NotFound, "404"), at);
        health.Record(OfflineSwitch.Failure, at.AddMinutes(1));

        Assert.Equal(new UpstreamHealthSnapshot(at, null, null), health.Snapshot());

        health.Record(new UpstreamFailure(UpstreamFailureKind.Unreachable, "connection refused"), at.AddMinutes(2));
        Assert.Equal("Unreachable: connection refused", health.Snapshot().LastErrorReason);
    }

    [Theory]
    [InlineData("application/vnd.dev.cosign.artifact.sig.v1+json", "signature")]
    [InlineData("application/vnd.cncf.notary.signature", "signature")]
    [InlineData("application/spdx+json", "sbom")]
    [InlineData("application/vnd.cyclonedx+json", "sbom")]
    [InlineData("application/vnd.in-toto+json", "attestation")]
    [InlineData("application/vnd.example.thing", "artifact")]
    [InlineData(null, "artifact")]
    public void Badge_ArtifactType_NamesWhatItIs(string? artifactType, string expected) =>
        Assert.Equal(expected, PullCommands.Badge(artifactType));

    [Fact]
    public void PullCommands_OverHttp_TellEachClientSo()
    {
        var repository = new RepositoryRow("docker.io/library/nginx", "docker.io", 1, 0, null);

        var commands = new PullCommands("cache.lan:5000", https: false).For(repository, "1.27").ToDictionary(c => c.Client, c => c.Command);

        Assert.Equal("docker pull cache.lan:5000/docker.io/library/nginx:1.27", commands["docker"]);
        Assert.Equal("podman pull --tls-verify=false cache.lan:5000/docker.io/library/nginx:1.27", commands["podman"]);
        Assert.Equal("nerdctl pull --insecure-registry cache.lan:5000/docker.io/library/nginx:1.27", commands["nerdctl"]);
        Assert.Equal("ctr images pull --plain-http cache.lan:5000/docker.io/library/nginx:1.27", commands["ctr"]);
        Assert.Null(new PullCommands("cache.lan:5000", https: false).CaHint);
    }

    [Fact]
    public void PullCommands_OverHttps_CtrReadsTheHostsDir_AndTheHintSaysWhereTheSiteCaGoes()
    {
        var repository = new RepositoryRow("site/app", null, 1, 0, null);
        var https = new PullCommands("cache.lan:5000", https: true);

        var ctr = https.For(repository, "v1").Single(c => c.Client == "ctr").Command;

        Assert.Equal("ctr images pull --hosts-dir /etc/containerd/certs.d cache.lan:5000/site/app:v1", ctr);
        Assert.Contains("/etc/containerd/certs.d/cache.lan:5000/ca.crt", https.CaHint);
        Assert.Contains("tls/ca.crt", https.CaHint);
    }

    [Theory]
    [InlineData(1, "1 tag")]
    [InlineData(0, "0 tags")]
    [InlineData(1234, "1,234 tags")]
    public void Html_Count_IsSingularForOne(long count, string expected) =>
        Assert.Equal(expected, OciCache.WebConsole.Pages.Html.Count(count, "tag"));

    [Fact]
    public void Html_Text_EncodesMarkup()
    {
        var html = new OciCache.WebConsole.Pages.Html().Element("td", "<script>alert('x')</script>").ToString();

        Assert.Equal("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>", html);
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
