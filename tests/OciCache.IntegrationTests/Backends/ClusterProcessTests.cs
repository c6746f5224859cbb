using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Three <c>ocicache serve</c> processes as one registry (<see cref="ReplicaCluster"/>: each its own data
/// folder, one database of the real PostgreSQL, one RGW bucket, <c>Cluster:*</c> set), behind HAProxy's round
/// robin, in front of an upstream that counts the blob's GETs and holds the first one's body after 1 MiB until
/// the test lets it go. Twelve cold clients cost one upstream GET; the owner killed with SIGKILL mid-blob cuts
/// its followers, the next pull through HAProxy succeeds once the dead owner's lease ran out, and
/// <c>ocicache verify</c> against the cluster's backends finds nothing wrong.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ClusterProcessTests(ScaleOutBackends backends) : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    private readonly byte[] _blob = RandomNumberGenerator.GetBytes(64 << 20);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IAsyncDisposable> _owned = [];
    private ReplicaCluster? _cluster;
    private int _blobGets;

    private Digest Digest => Digest.ComputeSha256(_blob);

    private string BlobPath => $"/v2/library/big/blobs/{Digest}?ns=docker.io";

    [Fact]
    public async Task ColdBlob_TwelveClientsThroughHaProxy_OneUpstreamGetAndEveryByteRight()
    {
        var proxy = await StartClusterAsync();
        var clients = Enumerable.Range(0, 12).Select(_ => new HttpClient { BaseAddress = proxy.Url }).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead))).WaitAsync(Guard);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode)); // every one while the upstream holds the body
        _release.SetResult();
        var digests = await Task.WhenAll(responses.Select(HashAsync)).WaitAsync(Guard);

        Assert.All(digests, d => Assert.Equal(Digest, d));
        Assert.Equal(1, Volatile.Read(ref _blobGets));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task OwnerKilledMidBlob_FollowerIsCut_AndTheNextPullThroughHaProxySucceeds()
    {
        var proxy = await StartClusterAsync(leaseTimeout: "00:00:03");
        using var toOwner = new HttpClient { BaseAddress = _cluster!.ReplicaUrl(0) };
        using var toFollower = new HttpClient { BaseAddress = _cluster.ReplicaUrl(1) };
        using var owned = await toOwner.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, owned.StatusCode);
        using var followed = await toFollower.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);

        await _cluster.KillReplicaAsync(0); // SIGKILL: no release of its lease, its connections reset
        await Assert.ThrowsAnyAsync<Exception>(() => HashAsync(followed)).WaitAsync(Guard);
        _release.SetResult(); // later GETs (a takeover) get the whole body at once

        using var client = new HttpClient { BaseAddress = proxy.Url };
        Digest? pulled = null;
        for (var attempt = 0; attempt < 3 && pulled is null; attempt++) // a client retries, as containerd does
        {
            using var response = await client.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Guard);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                pulled = await HashAsync(response).WaitAsync(Guard);
            }
        }

        Assert.Equal(Digest, pulled);
        Assert.Equal(2, Volatile.Read(ref _blobGets)); // the dead owner's and the takeover's

        // Nothing the dead owner left half-written is visible or wrong: every object hashes to its key, and
        // rows and objects agree.
        // The takeover publishes after its last byte was served: verify until it counts the blob, and it must
        // be clean every time (a half-published object or a row without one would be a problem at once).
        using var spool = new TempDirectory("verify-spool");
        var expected = $"ok: 1 blobs, {_blob.Length} bytes verified";
        ProcessResult verify;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            verify = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", "--data", spool.Path], TimeSpan.FromMinutes(2),
                new Dictionary<string, string>(_cluster.Environment));
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
        while (!verify.Stdout.Contains(expected, StringComparison.Ordinal) && watch.Elapsed < Eventually.DefaultTimeout);

        Assert.Contains(expected, verify.Stdout);
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

    }

    private async Task<HaProxy> StartClusterAsync(string leaseTimeout = "00:00:15")
    {
        var upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            if (context.Request.Path.Value != $"/v2/library/big/blobs/{Digest}")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Interlocked.Increment(ref _blobGets);
            context.Response.ContentLength = _blob.Length;
            await context.Response.Body.WriteAsync(_blob.AsMemory(0, 1 << 20));
            await context.Response.Body.FlushAsync();
            await _release.Task;
            await context.Response.Body.WriteAsync(_blob.AsMemory(1 << 20));
        });
        _owned.Add(upstream);
        _cluster = await ReplicaCluster.StartAsync(backends, 3, new Dictionary<string, string>
        {
            ["OCICACHE_CLUSTER__LEASETIMEOUT"] = leaseTimeout,
            ["OCICACHE_UPSTREAMPOLICY__STALLTIMEOUT"] = "00:02:00",
        }, ["--log-level", "Warning", "--upstream", $"docker.io={upstream.Url}"]);
        return _cluster.Proxy;
    }

    private static async Task<Digest> HashAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        return Digest.FromHash("sha256", await SHA256.HashDataAsync(body));
    }
}
