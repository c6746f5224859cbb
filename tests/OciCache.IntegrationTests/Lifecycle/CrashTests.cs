using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>
/// kill -9 at random moments during cold pulls (tee), pushes, eviction and garbage collection, many times:
/// after each restart <c>ocicache verify</c> passes, and in the end every completed push and every mirrored
/// image comes back byte for byte. It runs the appliance binary (Native AOT, SQLite linked in), i.e. exactly
/// what boards run, so every query of the lifecycle also meets that SQLite. A moment is a random point in
/// the workload's progress (bytes of cold pulls through the WAN, completed pushes), not in time: a loaded
/// machine makes less progress per second, never a kill before the work it was meant to interrupt.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Iterations = 12;

    private readonly TempDirectory _data = new("crash");
    private readonly List<TestImage> _mirrored = [];
    private readonly List<(string Repository, TestImage Image)> _pushed = [];
    private TaskCompletionSource _pushCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DistributionRegistry _upstream = null!;
    private TcpRelay _wan = null!;

    public async Task InitializeAsync()
    {
        _upstream = await DistributionRegistry.StartAsync();
        for (var i = 0; i < 4; i++)
        {
            var image = TestImage.Create(layers: 3, layerBytes: 1 << 20, seed: 1700 + i);
            await _upstream.Client.PushImageAsync($"library/crash{i}", "1.0", image);
            _mirrored.Add(image);
        }

        // A slow link keeps fills in flight long enough to be killed mid-tee.
        _wan = TcpRelay.To(_upstream.BaseUri, bytesPerSecond: 12 << 20);
    }

    public async Task DisposeAsync()
    {
        _wan.Dispose();
        await _upstream.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task KillNineAtRandomMoments_StoreVerifiesAfterEveryRestart_AndContentComesBackIntact()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            await using (var server = await StartAsync())
            {
                using var stop = new CancellationTokenSource();
                _pushCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var moment = KillMomentAsync(random, iteration);
                var workload = RunWorkloadAsync(server, iteration, stop.Token);
                // A workload that died early (the server failed it) ends the wait too; it reports below.
                await Task.WhenAny(moment, workload).WaitAsync(Eventually.DefaultTimeout);
                server.Kill();
                await stop.CancelAsync();
                await workload;
            }

            // Restart (start-up removes leftovers of unfinished writes), stop cleanly, then verify offline.
            await using (var restarted = await StartAsync())
            {
                await restarted.StopAsync();
            }

            var verify = await ProcessRunner.RunAsync(Binary, ["verify", "--data", _data.Path], TimeSpan.FromMinutes(2));
            Assert.True(verify.ExitCode == 0, $"iteration {iteration} (seed {seed}): verify failed\n{verify}");
        }

        await using var final = await StartAsync();
        using var client = new HttpClient { BaseAddress = final.BaseUri, Timeout = TimeSpan.FromMinutes(2) };
        for (var i = 0; i < _mirrored.Count; i++)
        {
            await PullAsync(client, $"docker.io/library/crash{i}", "1.0", _mirrored[i]);
        }

        foreach (var (repository, image) in _pushed)
        {
            await PullAsync(client, repository, "v1", image);
        }

        output.WriteLine($"{_pushed.Count} pushes completed across {Iterations} kills");
        Assert.NotEmpty(_pushed);
    }

    /// <summary>
    /// Completes at a random point of this run's progress: once a random amount of cold-pull bytes (up to
    /// about two images) crossed the WAN, so fills are mid-tee; in every third run also only after a push
    /// completed, so completed pushes are there to check in the end.
    /// </summary>
    private async Task KillMomentAsync(Random random, int iteration)
    {
        await _wan.WhenBytesToClientAsync(_wan.BytesToClient + random.Next(16 << 10, 24 << 20));
        if (iteration % 3 == 0)
        {
            await _pushCompleted.Task;
        }
    }

    private Task<OciCacheProcess> StartAsync() => OciCacheProcess.StartAsync(_data.Path,
        ["--upstream", $"docker.io={_wan.Url}", "--log-level", "Warning"],
        new Dictionary<string, string>
        {
            ["OCICACHE_STORAGE__MAXCACHEBYTES"] = (5L << 20).ToString(), // well under the mirrored images: eviction keeps running
            ["OCICACHE_STORAGE__EVICTIONINTERVAL"] = "00:00:00.2",
            ["OCICACHE_STORAGE__ACCESSFLUSHINTERVAL"] = "00:00:00.2",
            ["OCICACHE_GARBAGECOLLECTION__INTERVAL"] = "00:00:00.3",
            ["OCICACHE_GARBAGECOLLECTION__GRACEPERIOD"] = "00:00:02",
        },
        port: OciCacheProcess.FreePort(),
        command: [Binary]);

    private static string Binary => Appliance.ApplianceBuild.Executable("linux-x64");

    /// <summary>Cold pulls and pushes, until cancelled or the server dies under them.</summary>
    private async Task RunWorkloadAsync(OciCacheProcess server, int iteration, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        var tasks = new List<Task>();
        for (var worker = 0; worker < 3; worker++)
        {
            var w = worker;
            tasks.Add(Task.Run(async () =>
            {
                for (var round = 0; !cancellationToken.IsCancellationRequested; round++)
                {
                    var i = (w + round + iteration) % _mirrored.Count;
                    await PullAsync(client, $"docker.io/library/crash{i}", "1.0", _mirrored[i]);
                }
            }));
        }

        tasks.Add(Task.Run(async () =>
        {
            for (var round = 0; !cancellationToken.IsCancellationRequested; round++)
            {
                var repository = $"site/crash-{iteration}-{round}";
                var image = TestImage.Create(layers: 2, layerBytes: 512 * 1024, seed: 10_000 + iteration * 100 + round);
                await PushChunkedAsync(client, repository, image.Layers[0]);
                await client.PushBlobAsync(repository, image.Layers[1]);
                await client.PushBlobAsync(repository, image.Config);
                await client.PushManifestAsync(repository, "v1", image.Manifest);
                lock (_pushed)
                {
                    _pushed.Add((repository, image));
                }

                _pushCompleted.TrySetResult();
            }
        }));

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or Xunit.Sdk.XunitException)
        {
            // The server was killed under the workload: requests fail, which is the point.
        }
    }

    private static async Task PushChunkedAsync(HttpClient client, string repository, TestBlob blob)
    {
        using var post = await client.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var location = post.Headers.Location!.ToString();
        const int Chunk = 128 * 1024;
        for (var offset = 0; offset < blob.Bytes.Length; offset += Chunk)
        {
            var count = Math.Min(Chunk, blob.Bytes.Length - offset);
            using var content = new ByteArrayContent(blob.Bytes, offset, count);
            content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + count - 1}");
            using var patch = await client.PatchAsync(location, content);
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            location = patch.Headers.Location!.ToString();
        }

        using var put = await client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    private static async Task PullAsync(HttpClient client, string repository, string tag, TestImage image)
    {
        using var manifest = await client.GetAsync($"/v2/{repository}/manifests/{tag}");
        Assert.True(manifest.StatusCode == HttpStatusCode.OK, $"{repository}:{tag}: {await RegistryHttp.Describe(manifest)}");
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in image.Blobs)
        {
            using var response = await client.GetAsync($"/v2/{repository}/blobs/{blob.Digest}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{repository}@{blob.Digest}: {response.StatusCode}");
            Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }
}
