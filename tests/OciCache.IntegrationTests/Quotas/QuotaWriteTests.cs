using System.Net;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Quotas;

/// <summary>
/// Every kind of write a quota checks, over HTTP: a monolithic POST, the PUT that ends a chunked upload, a
/// mount and a manifest push. A refused write leaves nothing behind: no blob, no session, no spooled bytes.
/// </summary>
public sealed class QuotaWriteTests : IAsyncLifetime
{
    private const long Limit = 100_000;
    private readonly TestBlob _held = TestBlob.Random(60_000, seed: 2321);
    private readonly TestBlob _other = TestBlob.Random(60_000, seed: 2322);
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync(s => s.Quotas = [new QuotaOptions { Name = "small", Repositories = ["small/**"], MaxBytes = Limit }]);
        await _server.Client.PushBlobAsync("small/a", _held);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task MonolithicPost_OverTheQuota_IsDenied_AndNothingIsKept()
    {
        using var post = await _server.Client.PostAsync($"/v2/small/b/blobs/uploads/?digest={_other.Digest}", new ByteArrayContent(_other.Bytes));

        await AssertRefusedAsync(post, _other.Size);
        await AssertNotStoredAsync(_other);
    }

    [Fact]
    public async Task ChunkedUpload_OverTheQuota_IsDeniedAtItsPut_AndTheSessionAndItsBytesAreGone()
    {
        using var start = await _server.Client.PostAsync("/v2/small/b/blobs/uploads/", null);
        var location = start.Headers.Location!.ToString();
        var id = start.Header("Docker-Upload-UUID")!;
        using (var patch = await _server.Client.PatchAsync(location, new ByteArrayContent(_other.Bytes)))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        }

        using (var put = await _server.Client.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={_other.Digest}", null))
        {
            await AssertRefusedAsync(put, _other.Size);
        }

        using var status = await _server.Client.GetAsync(location);
        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        Assert.False(File.Exists(new DataLayout(_server.DataPath).UploadPath(id)), "the refused upload's bytes were kept");
        await AssertNotStoredAsync(_other);
    }

    [Fact]
    public async Task Mount_OfABlobTheQuotaLacks_IsDenied_OfOneItHolds_AddsNothing()
    {
        await _server.Client.PushBlobAsync("outside/x", _other);

        using (var refused = await _server.Client.PostAsync($"/v2/small/c/blobs/uploads/?mount={_other.Digest}&from=outside/x", null))
        {
            await AssertRefusedAsync(refused, _other.Size);
        }

        using (var mounted = await _server.Client.PostAsync($"/v2/small/c/blobs/uploads/?mount={_held.Digest}&from=small/a", null))
        {
            Assert.Equal(HttpStatusCode.Created, mounted.StatusCode); // small/a holds it: the quota counts it already
        }
    }

    [Fact]
    public async Task ManifestPush_WhoseOwnBytesCrossTheQuota_IsDenied()
    {
        var image = TestImage.Create(layers: 1, layerBytes: 20_000, seed: 2323);
        // A blob of the repository no manifest names fills the quota up to half the manifest's size.
        var filler = TestBlob.Random((int)(Limit - _held.Size - image.Blobs.Sum(b => b.Size) - image.Manifest.Size / 2), seed: 2324);
        foreach (var blob in image.Blobs.Append(filler))
        {
            await _server.Client.PushBlobAsync("small/app", blob);
        }

        using var put = await _server.Client.PutManifestAsync("small/app", "v1", image.Manifest);

        await AssertRefusedAsync(put, image.Manifest.Size);
        using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/small/app/manifests/v1"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, long adds)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {body}");
        Assert.Contains("\"DENIED\"", body, StringComparison.Ordinal);
        Assert.Contains($"quota \\u0022small\\u0022 would be exceeded: ", body.Replace("\\\"", "\\u0022", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"this push adds {Quota.Format(adds)}", body, StringComparison.Ordinal);
    }

    private async Task AssertNotStoredAsync(TestBlob blob)
    {
        using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/small/b/blobs/{blob.Digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(File.Exists(new DataLayout(_server.DataPath).BlobPath(blob.Digest)), "a refused blob reached the store");
        Assert.Empty(Directory.EnumerateFiles(new DataLayout(_server.DataPath).Temp));
    }
}
