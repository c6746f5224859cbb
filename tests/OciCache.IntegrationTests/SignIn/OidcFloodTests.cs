using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// A flood of anonymous <c>GET /ui/signin/oidc</c> from one address takes only that address's own pending
/// sign-ins: a person who started signing in from another address before the flood still completes.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class OidcFloodTests : IAsyncLifetime
{
    private const int Flood = 25_000;

    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task SignInStartedBeforeAFloodFromAnotherAddress_StillCompletes()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri); // from 127.0.0.1
        var callback = await browser.ReachCallbackAsync(_site.Provider, "/api/keys");

        using var attacker = ClientFrom(IPAddress.Parse("127.0.0.2"), _site.Server.BaseUri);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Flood)
            {
                using var response = await attacker.GetAsync("/ui/signin/oidc");
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            }
        }));

        using var completed = await browser.Client.GetAsync(callback);
        Assert.True(completed.StatusCode == HttpStatusCode.SeeOther,
            $"the callback after the flood answered {(int)completed.StatusCode}: {await completed.Content.ReadAsStringAsync()}");
        using var session = JsonDocument.Parse(await browser.Client.GetStringAsync("/api/session"));
        Assert.Equal("oidc:alice", session.RootElement.GetProperty("name").GetString());
    }

    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.0.0.0/8 address is loopback).</summary>
    private static HttpClient ClientFrom(IPAddress local, Uri server) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = server };
}
