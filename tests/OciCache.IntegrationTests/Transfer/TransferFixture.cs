using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// A cache that pulled a two-platform image through from a real distribution registry (both platforms,
/// by the scheduled prefetch's code), and holds a pushed local image; the upstream is stopped once the
/// cache is warm, so everything exported comes from the store.
/// </summary>
public sealed class TransferFixture : IAsyncLifetime
{
    public const string MirrorImage = "docker.io/library/multi:1.27";
    public const string LocalImage = "site/app:v1";

    private DistributionRegistry _upstream = null!;

    /// <summary>The platform containerd pulls here.</summary>
    public TestImage Host { get; private set; } = null!;

    public TestImage Other { get; private set; } = null!;

    public TestBlob Index { get; private set; } = null!;

    public TestImage Local { get; private set; } = null!;

    /// <summary>A signature-like artifact whose subject is <see cref="Local"/>.</summary>
    public TestBlob Referrer { get; private set; } = null!;

    public RegistryServer Source { get; private set; } = null!;

    public string OtherPlatform => $"linux/{Other.Architecture}";

    public async Task InitializeAsync()
    {
        _upstream = await DistributionRegistry.StartAsync();
        Host = TestImage.Create(layers: 2, layerBytes: 256 * 1024, seed: 1401);
        Other = TestImage.Create(layers: 2, layerBytes: 256 * 1024, seed: 1402, architecture: Host.Architecture == "arm64" ? "amd64" : "arm64");
        Index = TestImage.Index(ImageFormat.Oci, Host, Other);
        await _upstream.Client.PushImageAsync("library/multi", Host.Digest.ToString(), Host);
        await _upstream.Client.PushImageAsync("library/multi", Other.Digest.ToString(), Other);
        await _upstream.Client.PushManifestAsync("library/multi", "1.27", Index);

        Source = await PullThrough.CacheServer.StartAsync("docker.io", _upstream.BaseUri.ToString());
        var prefetch = await Source.Services.GetRequiredService<Prefetcher>().RunAsync(
            [new PrefetchImage { Image = "docker.io/library/multi", Tags = ["1.27"] }], CancellationToken.None);
        Assert.Empty(prefetch.Failed);
        Local = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 1403);
        await Source.Client.PushImageAsync("site/app", "v1", Local);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        var signature = TestBlob.Random(512, seed: 1404, mediaType: "application/vnd.dev.cosign.simplesigning.v1+json");
        await Source.Client.PushBlobAsync("site/app", empty);
        await Source.Client.PushBlobAsync("site/app", signature);
        Referrer = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json","config":{{empty.DescriptorJson()}},"layers":[{{signature.DescriptorJson()}}],"subject":{{Local.Manifest.DescriptorJson()}}}
            """.Trim());
        await Source.Client.PushManifestAsync("site/app", Referrer.Digest.ToString(), Referrer);
        await _upstream.StopAsync();
    }

    public async Task DisposeAsync()
    {
        await Source.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>Runs the built <c>ocicache</c> executable.</summary>
    public static Task<ProcessResult> OciCacheAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(OciCacheProcess.Executable, arguments, TimeSpan.FromMinutes(3));

    public static async Task<ProcessResult> OciCacheCheckedAsync(params string[] arguments)
    {
        var result = await OciCacheAsync(arguments);
        Assert.True(result.ExitCode == 0, $"ocicache {string.Join(' ', arguments)}: {result}");
        return result;
    }

    /// <summary>A cache whose docker.io upstream is a closed port on 127.0.0.1: nothing can come from a WAN.</summary>
    public static Task<RegistryServer> StartOfflineCacheAsync(string dataPath) => RegistryServer.StartAsync(
        s => s.Upstreams["docker.io"] = new() { Url = $"http://127.0.0.1:{OciCacheProcess.FreePort()}" }, dataPath: dataPath);

    /// <summary>Row counts of the metadata tables an import writes.</summary>
    public static (long Manifests, long Tags, long Links) Rows(string dataPath)
    {
        using var connection = new SqliteConnection($"Data Source={new DataLayout(dataPath).Database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        long Count(string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            return (long)command.ExecuteScalar()!;
        }

        return (Count("manifests"), Count("tags"), Count("repository_blobs"));
    }

    public static async Task AssertServedAsync(HttpClient client, string path, byte[] expected)
    {
        using var request = RegistryHttp.Request(HttpMethod.Get, path, null, ("Accept", string.Join(", ", MediaTypes.ManifestAccept)));
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {await RegistryHttp.Describe(response)}");
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }
}
