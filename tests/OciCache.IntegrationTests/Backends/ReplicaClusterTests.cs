using System.Net;
using OciCache.Testing.Backends;
using Xunit.Abstractions;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Three replicas as one registry (PostgreSQL metadata, blobs in Ceph RGW) behind HAProxy round-robin with no
/// stickiness, driven by the real clients: skopeo pushes with its requests landing on different replicas and
/// pulls back identical; containerd pulls a mirrored image cold and warm through the balancer; with RGW
/// stopped, blob reads fail cleanly and nothing is corrupt after it returns.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ReplicaClusterTests(ScaleOutBackends backends, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("replicas");
    private DistributionRegistry _upstream = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _upstream = await DistributionRegistry.StartAsync();
        _cluster = await ReplicaCluster.StartAsync(backends, 3, arguments: ["--upstream", $"docker.io={_upstream.BaseUri}"]);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster?.Output() ?? "");
        output.WriteLine(_cluster?.Proxy?.Log ?? "");
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await _upstream.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Skopeo_PushesThroughTheBalancer_AcrossReplicas_AndPullsBackIdentical()
    {
        var image = TestImage.Create(ImageFormat.Oci, layers: 4, layerBytes: 3 << 20, seed: 2201);
        var source = _temp.Combine("source");
        TestImage.WriteOciLayout(source, "v1", image.Manifest, image.Blobs);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--preserve-digests", $"oci:{source}:v1", $"docker://{_cluster.Host}/team/app:v1");

        // Every replica took part of the push: a session's POST, PATCH and PUT met different replicas.
        for (var i = 0; i < _cluster.Count; i++)
        {
            Assert.True(_cluster.Proxy.CountRequestsTo(i) > 0, $"replica {i} took no request:\n{_cluster.Proxy.Log}");
        }

        var back = _temp.Combine("back");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--preserve-digests", $"docker://{_cluster.Host}/team/app:v1", $"oci:{back}:v1");
        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            Assert.Equal(blob.Bytes, File.ReadAllBytes(Path.Combine(back, "blobs", "sha256", blob.Hex)));
        }

        // Each replica answers for what another stored.
        for (var i = 0; i < _cluster.Count; i++)
        {
            using var http = new HttpClient { BaseAddress = _cluster.ReplicaUrl(i) };
            using var manifest = await http.GetAsync("/v2/team/app/manifests/v1");
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Containerd_PullsAMirroredImageThroughTheBalancer_ColdThenWarm()
    {
        var image = TestImage.Create(layers: 3, layerBytes: 2 << 20, seed: 2202);
        await _upstream.Client.PushImageAsync("library/app", "1.0", image);
        await using var containerd = await Containerd.StartAsync();
        containerd.WriteHostsToml("docker.io", _upstream.BaseUri.ToString().TrimEnd('/'), ($"http://{_cluster.Host}", "\"pull\", \"resolve\""));

        await PullAsync(containerd, "docker.io/library/app:1.0", image);
        foreach (var blob in image.Blobs)
        {
            var fetches = _upstream.Log.Split('\n').Count(l => l.Contains("\"GET ", StringComparison.Ordinal) && l.Contains($"/blobs/{blob.Digest}", StringComparison.Ordinal));
            Assert.True(fetches == 1, $"{blob.Digest} fetched {fetches} times from the upstream:\n{_upstream.Log}");
        }

        // Warm: from the object store through any replica, with the upstream gone.
        await _upstream.StopAsync();
        await containerd.ForgetAllAsync();
        await PullAsync(containerd, "docker.io/library/app:1.0", image);
    }

    [Fact]
    public async Task TwelveColdClientsOfA64MiBBlob_AcrossReplicas_GetEveryByte_AndTheUpstreamServesItOnce()
    {
        var blob = TestBlob.Random(64 << 20, seed: 2204);
        await _upstream.Client.PushBlobAsync("library/big", blob);
        var clients = Enumerable.Range(0, 12).Select(_ => new HttpClient { BaseAddress = new Uri($"http://{_cluster.Host}"), Timeout = TimeSpan.FromMinutes(5) }).ToList();

        var digests = await Task.WhenAll(clients.Select(async client =>
        {
            using var response = await client.GetAsync($"/v2/library/big/blobs/{blob.Digest}?ns=docker.io", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(body));
        }));

        Assert.All(digests, d => Assert.Equal(blob.Hex, d));
        // Round robin spreads them, though not always 4/4/4 (HAProxy also weighs connections in flight).
        for (var i = 0; i < _cluster.Count; i++)
        {
            Assert.True(_cluster.Proxy.CountRequestsTo(i) > 0, $"replica {i} took none of the 12:\n{_cluster.Proxy.Log}");
        }

        var fetches = _upstream.Log.Split('\n').Count(l => l.Contains("\"GET ", StringComparison.Ordinal) && l.Contains($"/blobs/{blob.Digest}", StringComparison.Ordinal));
        Assert.True(fetches == 1, $"the upstream served the blob {fetches} times:\n{_upstream.Log}");
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task RgwStopped_BlobReadsAnswer503_AndEverythingIsWholeAfterItReturns()
    {
        var image = TestImage.Create(ImageFormat.Oci, layers: 2, layerBytes: 1 << 20, seed: 2203);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{_cluster.Host}") };
        await http.PushImageAsync("team/rgw", "v1", image);
        var layer = image.Layers[0];

        await backends.Ceph.StopRgwAsync();
        try
        {
            using var response = await http.GetAsync($"/v2/team/rgw/blobs/{layer.Digest}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            using var ready = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        finally
        {
            await backends.Ceph.StartRgwAsync();
        }

        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.GetAsync($"/v2/team/rgw/blobs/{layer.Digest}");
            return response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsByteArrayAsync()).AsSpan().SequenceEqual(layer.Bytes);
        }, "the blob readable again once RGW is back");
        for (var i = 0; i < _cluster.Count; i++)
        {
            Assert.False(_cluster[i]!.HasExited, _cluster.Output());
        }
    }

    private static async Task PullAsync(Containerd containerd, string reference, TestImage image)
    {
        await containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", reference);
        var listed = await containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(reference, listed);
        Assert.Contains(image.Digest.ToString(), listed);
    }
}
