using System.Net;

namespace OciCache.Tests.Conformance;

/// <summary>Content and upload sessions survive a restart of the server on the same data folder.</summary>
public sealed class PersistenceTests : IAsyncLifetime
{
    private RegistryServer _server = null!;

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PushedImage_IsServedIdenticallyAfterRestart()
    {
        var image = TestImage.Create(layers: 2, seed: 61);
        await _server.Client.PushImageAsync("persist/app", "v1", image);

        await _server.RestartAsync();

        using var manifest = await _server.Client.GetAsync("/v2/persist/app/manifests/v1");
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in image.Blobs)
        {
            using var response = await _server.Client.GetAsync($"/v2/persist/app/blobs/{blob.Digest}");
            Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
        }

        using var tags = await _server.Client.GetAsync("/v2/persist/app/tags/list");
        Assert.Contains("v1", await tags.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UploadStartedBeforeRestart_IsFinishedAfterIt()
    {
        var blob = TestBlob.Random(100_000, seed: 62);
        using var post = await _server.Client.PostAsync("/v2/persist/upload/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        using var first = await _server.Client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, blob.Bytes[..60_000], ("Content-Range", "0-59999")));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        await _server.RestartAsync();

        using var status = await _server.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-59999", status.Header("Range"));
        using var second = await _server.Client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, blob.Bytes[60_000..], ("Content-Range", "60000-99999")));
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using var put = await _server.Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var get = await _server.Client.GetAsync($"/v2/persist/upload/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }
}
