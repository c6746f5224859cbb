using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Sockets;

namespace OciCache.Tests.Conformance;

/// <summary>
/// Open upload sessions are capped per source address and in total; past a cap a POST is answered
/// 429 TOOMANYREQUESTS, and a session that ends (PUT, DELETE) frees its place.
/// </summary>
public sealed class UploadLimitTests : IAsyncLifetime
{
    private RegistryServer _server = null!;
    private HttpClient _other = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync(s =>
        {
            s.Uploads.MaxSessionsPerClient = 3;
            s.Uploads.MaxSessions = 5;
        });
        _other = OtherClient();
    }

    /// <summary>A second client, from another loopback address (all of 127/8 is local on Linux).</summary>
    private HttpClient OtherClient() =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = _server.BaseUri };

    public async Task DisposeAsync()
    {
        _other.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SessionsPastPerClientCap_Answer429_OtherClientsStillStart_AndEndedSessionsFreeTheirPlace()
    {
        var repo = RegistryFixture.NewRepository("cap");
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add(await StartAsync(_server.Client, repo));
        }

        using (var refused = await _server.Client.PostAsync($"/v2/{repo}/blobs/uploads/", null))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
        }

        await StartAsync(_other, repo);

        using (var cancel = await _server.Client.DeleteAsync(mine[0]))
        {
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        }

        var blob = TestBlob.Random(100, seed: 95);
        using (var put = await _server.Client.PutAsync($"{mine[1]}?digest={blob.Digest}", new ByteArrayContent(blob.Bytes)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        await StartAsync(_server.Client, repo);
        await StartAsync(_server.Client, repo);
        using var again = await _server.Client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        await RegistryHttp.AssertOciErrorAsync(again, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
    }

    [Fact]
    public async Task StartAtTheCap_EndsSessionsIdlePastTheExpiry_AndOpensTheNewOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RegistryServer.StartAsync(s =>
        {
            s.Uploads.MaxSessionsPerClient = 2;
            s.Uploads.IdleExpiry = TimeSpan.FromMinutes(30);
        }, time: time);
        var repo = RegistryFixture.NewRepository("idle");
        var idle = await StartAsync(server.Client, repo);
        time.Advance(TimeSpan.FromMinutes(20));
        var recent = await StartAsync(server.Client, repo);
        using (var refused = await server.Client.PostAsync($"/v2/{repo}/blobs/uploads/", null))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
        }

        time.Advance(TimeSpan.FromMinutes(11)); // the first is idle 31 minutes, the second 11
        await StartAsync(server.Client, repo);
        using (var gone = await server.Client.GetAsync(idle))
        {
            await RegistryHttp.AssertOciErrorAsync(gone, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        }

        using var kept = await server.Client.GetAsync(recent);
        Assert.Equal(HttpStatusCode.NoContent, kept.StatusCode);
    }

    [Fact]
    public async Task SessionsPastTotalCap_Answer429_EvenForAClientUnderItsOwnCap()
    {
        var repo = RegistryFixture.NewRepository("cap");
        for (var i = 0; i < 3; i++)
        {
            await StartAsync(_server.Client, repo);
        }

        await StartAsync(_other, repo);
        var last = await StartAsync(_other, repo);

        using (var refused = await _other.PostAsync($"/v2/{repo}/blobs/uploads/", null))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
        }

        using (var cancel = await _other.DeleteAsync(last))
        {
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        }

        await StartAsync(_other, repo);
    }

    [Fact]
    public async Task SessionsFromBeforeRestart_CountTowardTheTotal_UntilTheyEnd()
    {
        var repo = RegistryFixture.NewRepository("cap");
        var before = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            before.Add(await StartAsync(_server.Client, repo));
        }

        await _server.RestartAsync();
        _other.Dispose();
        _other = OtherClient();
        await StartAsync(_other, repo);
        await StartAsync(_other, repo);

        using (var refused = await _other.PostAsync($"/v2/{repo}/blobs/uploads/", null))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
        }

        using (var cancel = await _server.Client.DeleteAsync(before[0]))
        {
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        }

        await StartAsync(_other, repo);
    }

    [Fact]
    public async Task MonolithicPushes_NeedNoSession_AndAreNotCapped()
    {
        var repo = RegistryFixture.NewRepository("cap");
        for (var i = 0; i < 3; i++)
        {
            await StartAsync(_server.Client, repo);
        }

        var blob = TestBlob.Random(100, seed: 96);
        using var post = await _server.Client.PostAsync($"/v2/{repo}/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
    }

    private static async Task<string> StartAsync(HttpClient client, string repo)
    {
        using var post = await client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        Assert.True(post.StatusCode == HttpStatusCode.Accepted, await RegistryHttp.Describe(post));
        return post.Headers.Location!.ToString();
    }
}
