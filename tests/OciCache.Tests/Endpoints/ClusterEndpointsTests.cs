using System.Net;
using System.Net.Http.Headers;

namespace OciCache.Tests.Endpoints;

/// <summary>
/// <c>GET /_cluster/fills/{digest}</c> on the real server: only the shared secret opens it (401 without a
/// body otherwise), it does not exist without one (404), and a committed blob comes back whole with its
/// length. (Following a running fill across replicas: tests/OciCache.IntegrationTests/Backends/ClusterFillTests.)
/// </summary>
public sealed class ClusterEndpointsTests : IAsyncDisposable
{
    private const string Secret = "endpoint-test-secret-of-32-chars-or-more";
    private readonly TestBlob _blob = TestBlob.Random(300_000, 22);
    private RegistryServer? _server;

    [Fact]
    public async Task GetFill_NoClusterSecret_Is404EvenWithABearer()
    {
        var server = await StartAsync(secret: null);
        await server.Client.PushBlobAsync("site/app", _blob);

        using var response = await GetAsync(server, _blob.Digest.ToString(), Secret);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-secret-but-just-as-long-as-it")]
    [InlineData(Secret + "x")]
    public async Task GetFill_MissingOrWrongSecret_Is401WithoutDetail(string? bearer)
    {
        var server = await StartAsync(Secret);
        await server.Client.PushBlobAsync("site/app", _blob);

        using var response = await GetAsync(server, _blob.Digest.ToString(), bearer);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(Secret, server.Log.ToString());
    }

    [Fact]
    public async Task GetFill_StoredBlob_IsSentWholeWithItsLength()
    {
        var server = await StartAsync(Secret);
        await server.Client.PushBlobAsync("site/app", _blob);

        using var response = await GetAsync(server, _blob.Digest.ToString(), Secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_blob.Size, response.Content.Headers.ContentLength);
        Assert.Equal(_blob.Bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("not-a-digest")]
    public async Task GetFill_NeitherFillingNorStored_Is404(string digest)
    {
        var server = await StartAsync(Secret);

        using var response = await GetAsync(server, digest, Secret);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<RegistryServer> StartAsync(string? secret)
    {
        _server = await RegistryServer.StartAsync(settings => settings.Cluster.Secret = secret);
        return _server;
    }

    private static Task<HttpResponseMessage> GetAsync(RegistryServer server, string digest, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/_cluster/fills/{digest}");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return server.Client.SendAsync(request);
    }
}
