using System.Net;
using OciCache.Storage;

namespace OciCache.Tests.Conformance;

/// <summary>
/// The metadata database deleted or replaced under a running server: SQLite goes on writing to the file
/// it opened, so every push would be acknowledged and lost at the next start. Readiness says so and
/// writes are refused with 503 <c>UNAVAILABLE</c>; liveness and pulls of what is held go on.
/// </summary>
public sealed class DatabaseLossTests : IAsyncLifetime
{
    private RegistryServer _server = null!;

    private string DatabasePath => new DataLayout(_server.DataPath).Database;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync();
        await _server.Client.PushBlobAsync("site/before", TestBlob.Random(1000, seed: 121));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task DatabaseDeleted_ReadinessFails_AndWritesAnswer503()
    {
        using (var ready = await _server.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        File.Delete(DatabasePath);

        await AssertNotReadyAsync("deleted");
    }

    [Fact]
    public async Task DatabaseReplaced_ReadinessFails_AndWritesAnswer503()
    {
        File.Copy(DatabasePath, DatabasePath + ".copy");
        File.Move(DatabasePath + ".copy", DatabasePath, overwrite: true); // same name, another file

        await AssertNotReadyAsync("replaced");
    }

    private async Task AssertNotReadyAsync(string reason)
    {
        using var ready = await _server.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains(reason, await ready.Content.ReadAsStringAsync());

        using var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var blob = TestBlob.Random(1000, seed: 122);
        using var post = await _server.Client.PostAsync($"/v2/site/after/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
        using var manifest = await _server.Client.PutManifestAsync("site/after", "v1", TestImage.Create(layers: 1, seed: 123).Manifest);
        await RegistryHttp.AssertOciErrorAsync(manifest, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
    }
}
