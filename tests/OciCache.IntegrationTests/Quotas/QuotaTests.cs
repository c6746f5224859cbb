using System.Net;
using System.Text.RegularExpressions;
using OciCache.Registry;

namespace OciCache.IntegrationTests.Quotas;

/// <summary>
/// skopeo pushes under a quota (<c>Quotas</c>): a layer two repositories of the quota share counts once, the
/// push that would cross the limit fails with the quota's message, and a delete gives the space back once
/// garbage collection removed what only the quota held.
/// </summary>
public sealed class QuotaTests : IAsyncLifetime
{
    private const int LayerBytes = 512 * 1024;
    private readonly TempDirectory _temp = new("quotas");
    private readonly TestLayer _shared = TestImage.Layer(2301, LayerBytes);
    private readonly TestImage _one;
    private readonly TestImage _two;
    private readonly TestImage _three = TestImage.Create(layers: 1, layerBytes: LayerBytes, seed: 2303);
    private RegistryServer _server = null!;
    private long _limit;

    public QuotaTests()
    {
        _one = TestImage.Compose([_shared], seed: 2304);
        _two = TestImage.Compose([_shared, TestImage.Layer(2302, LayerBytes)], seed: 2305);
    }

    private long BothBytes => Distinct(_one, _two).Sum(b => b.Size);

    public async Task InitializeAsync()
    {
        // Room for the first two images (their shared layer once) and half of the third's layer.
        _limit = BothBytes + _three.Layers[0].Size / 2;
        _server = await RegistryServer.StartAsync(s =>
        {
            s.Quotas = [new QuotaOptions { Name = "team-a", Repositories = ["team-a/**"], MaxBytes = _limit }];
            s.GarbageCollection.Interval = TimeSpan.FromMilliseconds(200);
            s.GarbageCollection.GracePeriod = TimeSpan.FromSeconds(1);
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Skopeo_PushOverTheQuota_IsRefusedWithItsMessage_ASharedLayerCountsOnce_AndADeleteWithGcMakesRoom()
    {
        await PushAsync(_one, "team-a/one");
        await PushAsync(_two, "team-a/two");
        Assert.Equal(BothBytes, await UsedBytesAsync()); // less than the two images' sizes added: the shared layer once
        Assert.True(BothBytes < _one.Blobs.Append(_one.Manifest).Concat(_two.Blobs.Append(_two.Manifest)).Sum(b => b.Size));
        Assert.Equal(BothBytes, await MetricAsync("ocicache_quota_bytes"));
        Assert.Equal(_limit, await MetricAsync("ocicache_quota_limit_bytes"));
        var page = await _server.Client.GetStringAsync("/ui/storage");
        Assert.Contains("<h2>Quotas</h2>", page, StringComparison.Ordinal);
        Assert.Contains("<td>team-a</td><td>team-a/**</td>", page, StringComparison.Ordinal);

        var refused = await Skopeo.RunAsync(CopyArguments(Layout(_three, "three"), "team-a/three"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("denied", refused.Stderr, StringComparison.OrdinalIgnoreCase);
        // skopeo quotes the server's message inside its own, so its quotation marks come escaped.
        var message = $"quota \\\\?\"team-a\\\\?\" would be exceeded: [0-9.]+ [KM]iB used of {Regex.Escape(Quota.Format(_limit))}, this push adds {Regex.Escape(Quota.Format(_three.Layers[0].Size))}";
        Assert.True(Regex.IsMatch(refused.Stderr, message), $"skopeo's stderr lacks /{message}/:\n{refused.Stderr}");
        Assert.Equal(BothBytes, await UsedBytesAsync()); // nothing of the refused push counts
        using (var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/team-a/three/blobs/{_three.Layers[0].Digest}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        // Outside the quota the same image is pushed at once.
        await PushAsync(_three, "team-b/three");

        using (var delete = await _server.Client.DeleteAsync($"/v2/team-a/two/manifests/{_two.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        var oneBytes = Distinct(_one).Sum(b => b.Size);
        await Eventually.TrueAsync(async () => await UsedBytesAsync() == oneBytes, "garbage collection gives back what only the deleted image held");
        await PushAsync(_three, "team-a/three");
        Assert.Equal(oneBytes + Distinct(_three).Sum(b => b.Size), await UsedBytesAsync());
    }

    private static IEnumerable<TestBlob> Distinct(params TestImage[] images) =>
        images.SelectMany(i => i.Blobs.Append(i.Manifest)).DistinctBy(b => b.Digest);

    private async Task PushAsync(TestImage image, string repository) =>
        await Skopeo.CheckedAsync(CopyArguments(Layout(image, $"{repository.Replace('/', '-')}-{image.Manifest.Hex[..8]}"), repository));

    private string[] CopyArguments(string layout, string repository) =>
        ["copy", "--dest-tls-verify=false", "--preserve-digests", $"oci:{layout}:v1", $"docker://{_server.Host}/{repository}:v1"];

    private string Layout(TestImage image, string name)
    {
        var directory = _temp.Combine(name);
        if (!Directory.Exists(directory))
        {
            TestImage.WriteOciLayout(directory, "v1", image.Manifest, image.Blobs);
        }

        return directory;
    }

    private async Task<long> UsedBytesAsync()
    {
        using var storage = await WebConsole.ConsoleApiTests.GetJsonAsync(_server.Client, "/api/storage");
        var quota = Assert.Single(storage.RootElement.GetProperty("quotas").EnumerateArray());
        Assert.Equal("team-a", quota.GetProperty("name").GetString());
        Assert.Equal(_limit, quota.GetProperty("maxBytes").GetInt64());
        Assert.Equal(["team-a/**"], quota.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()));
        return quota.GetProperty("usedBytes").GetInt64();
    }

    private async Task<long> MetricAsync(string name)
    {
        var text = await _server.Client.GetStringAsync("/metrics");
        var match = Regex.Match(text, $"^{name}{{quota=\"team-a\"}} ([0-9]+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} not in /metrics:\n{text}");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
