using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;
using OciCache.Testing.Backends;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Three replicas (real servers in this process, each its own data folder) with Metadata:Backend=postgres on
/// one database of the real PostgreSQL, so sharing fill leases, behind HAProxy's round robin, in front of an upstream that holds the blob's body after its
/// first MiB until the test lets it go: every client's headers arrive while the one upstream fetch is held,
/// so every replica is following by then, and the upstream is asked once.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ClusterFillTests(ScaleOutBackends backends) : IAsyncDisposable
{
    private const string Secret = "cluster-test-secret-of-at-least-32-chars";
    private const int Clients = 12;
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    private readonly byte[] _blob = RandomNumberGenerator.GetBytes(16 << 20);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IAsyncDisposable> _owned = [];
    private int _blobGets;

    private Digest Digest => Digest.ComputeSha256(_blob);

    [Fact]
    public async Task ColdBlob_TwelveClientsAcrossThreeReplicas_CostsOneUpstreamGet()
    {
        var upstream = await StartUpstreamAsync();
        var connectionString = await backends.Postgres.CreateDatabaseAsync();
        var replicas = new List<RegistryServer>();
        for (var i = 0; i < 3; i++)
        {
            replicas.Add(await StartReplicaAsync(upstream.Url, connectionString));
        }

        var proxy = await HaProxy.StartAsync([.. replicas.Select(r => r.BaseUri)]);
        _owned.Add(proxy);

        var clients = Enumerable.Range(0, Clients).Select(_ => new HttpClient { BaseAddress = proxy.Url }).ToList();
        var responses = await Task.WhenAll(clients.Select(c => c.GetAsync(
            $"/v2/library/big/blobs/{Digest}?ns=docker.io", HttpCompletionOption.ResponseHeadersRead))).WaitAsync(Guard);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode)); // all while the upstream holds the body
        var following = replicas.Count(r => r.Log.Contains(Serilog.Events.LogEventLevel.Information, "following its fill"));
        Assert.True(following == 2, string.Join("\n---\n", replicas.Select(r => r.Log.ToString())));
        _release.SetResult();

        var digests = await Task.WhenAll(responses.Select(async r =>
        {
            await using var body = await r.Content.ReadAsStreamAsync();
            return Digest.FromHash("sha256", await SHA256.HashDataAsync(body));
        })).WaitAsync(Guard);

        Assert.All(digests, d => Assert.Equal(Digest, d));
        Assert.Equal(1, Volatile.Read(ref _blobGets));
        await Eventually.TrueAsync(() => Enumerable.Range(0, 3).All(i => proxy.CountRequestsTo(i) >= Clients / 3), "HAProxy spread the clients");
        foreach (var response in responses)
        {
            response.Dispose();
        }

        clients.ForEach(c => c.Dispose());
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<ScriptedUpstream> StartUpstreamAsync()
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
        return upstream;
    }

    private async Task<RegistryServer> StartReplicaAsync(string upstreamUrl, string connectionString)
    {
        var port = FreePort();
        var replica = await RegistryServer.StartAsync(settings =>
        {
            settings.Listen = $"127.0.0.1:{port}";
            settings.Upstreams["docker.io"] = new UpstreamOptions { Url = upstreamUrl };
            settings.UpstreamPolicy = new UpstreamPolicyOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(15), ResponseTimeout = TimeSpan.FromSeconds(30),
                TotalTimeout = TimeSpan.FromSeconds(60), StallTimeout = TimeSpan.FromMinutes(2), Retries = 0,
            };
            settings.Metadata.Backend = "postgres";
            settings.Metadata.Postgres.ConnectionString = connectionString;
            settings.Cluster.AdvertiseUrl = $"http://127.0.0.1:{port}";
            settings.Cluster.Secret = Secret;
        });
        _owned.Add(replica);
        return replica;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
