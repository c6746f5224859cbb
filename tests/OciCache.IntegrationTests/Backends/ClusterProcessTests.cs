using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Three <c>ocicache serve</c> processes, each with its own data folder, on one database of the real
/// PostgreSQL (<c>Metadata:Backend=postgres</c>, <c>Cluster:*</c> set), behind HAProxy's round robin, in front
/// of an upstream that counts the blob's GETs and holds the first one's body after 1 MiB until the test lets
/// it go. Twelve cold clients cost one upstream GET; the owner killed with SIGKILL mid-blob cuts its
/// followers, and the next pull through HAProxy succeeds once the dead owner's lease ran out.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ClusterProcessTests(ScaleOutBackends backends) : IAsyncDisposable
{
    private const string Secret = "cluster-process-secret-at-least-32-chars";
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    private readonly byte[] _blob = RandomNumberGenerator.GetBytes(64 << 20);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<TempDirectory> _folders = [];
    private readonly OciCacheProcess?[] _replicas = new OciCacheProcess?[3];
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
        using var toOwner = new HttpClient { BaseAddress = _replicas[0]!.BaseUri };
        using var toFollower = new HttpClient { BaseAddress = _replicas[1]!.BaseUri };
        using var owned = await toOwner.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, owned.StatusCode);
        using var followed = await toFollower.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);

        _replicas[0]!.Kill(); // SIGKILL: no release of its lease, its connections reset
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
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        foreach (var replica in _replicas)
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _folders.ForEach(f => f.Dispose());
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
        var connection = await backends.Postgres.CreateDatabaseAsync();
        var ports = Enumerable.Range(0, _replicas.Length).Select(_ => OciCacheProcess.FreePort()).ToList();
        for (var i = 0; i < _replicas.Length; i++)
        {
            var folder = new TempDirectory($"cluster-replica{i}");
            _folders.Add(folder);
            _replicas[i] = await OciCacheProcess.StartAsync(folder.Path, ["--log-level", "Warning", "--upstream", $"docker.io={upstream.Url}"],
                new Dictionary<string, string>
                {
                    ["OCICACHE_METADATA__BACKEND"] = "postgres",
                    ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = connection,
                    ["OCICACHE_CLUSTER__ADVERTISEURL"] = $"http://127.0.0.1:{ports[i]}",
                    ["OCICACHE_CLUSTER__SECRET"] = Secret,
                    ["OCICACHE_CLUSTER__LEASETIMEOUT"] = leaseTimeout,
                    ["OCICACHE_UPSTREAMPOLICY__STALLTIMEOUT"] = "00:02:00",
                }, port: ports[i]);
        }

        var proxy = await HaProxy.StartAsync([.. ports.Select(p => new Uri($"http://127.0.0.1:{p}"))]);
        _owned.Add(proxy);
        return proxy;
    }

    private static async Task<Digest> HashAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        return Digest.FromHash("sha256", await SHA256.HashDataAsync(body));
    }
}
