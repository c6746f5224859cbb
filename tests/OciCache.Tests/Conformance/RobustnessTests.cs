using System.Net;
using OciCache.Storage;

namespace OciCache.Tests.Conformance;

/// <summary>Faults inside the server answer OCI error JSON and never stop it serving.</summary>
public sealed class RobustnessTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task UnexpectedFault_Answers500Json_AndServerKeepsServing()
    {
        var repo = RegistryFixture.NewRepository("fault");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var id = post.Header("Docker-Upload-UUID")!;
        // Sabotage the session's file behind the server's back: it becomes a directory.
        var path = new DataLayout(fixture.Server.DataPath).UploadPath(id);
        File.Delete(path);
        Directory.CreateDirectory(path);

        using var patch = await _client.PatchAsync(post.Headers.Location, new ByteArrayContent(new byte[10]));

        await RegistryHttp.AssertOciErrorAsync(patch, HttpStatusCode.InternalServerError, "UNKNOWN");
        using var healthy = await _client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        await _client.PushImageAsync(repo, "after", TestImage.Create(layers: 1, seed: 71));
    }

    [Fact]
    public async Task ClientAbortingUpload_LeavesSessionResumable()
    {
        var repo = RegistryFixture.NewRepository("abort");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();

        // Announce 1 MB, send 100 KB, hang up.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(fixture.Server.BaseUri.Host, fixture.Server.BaseUri.Port);
            var stream = tcp.GetStream();
            var head = $"PATCH {location} HTTP/1.1\r\nHost: {fixture.Server.Host}\r\nContent-Length: 1000000\r\nContent-Range: 0-999999\r\n\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(new byte[100_000]);
            await stream.FlushAsync();
        }

        var size = await Eventually.ValueAsync(async () =>
        {
            using var status = await _client.GetAsync(location);
            return status.StatusCode == HttpStatusCode.NoContent ? status.Header("Range") : null;
        }, "the session answers after the aborted chunk");
        Assert.Equal("0-0", size);
        var blob = TestBlob.Random(1000, seed: 72);
        using var put = await _client.PutAsync($"{location}?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }
}
