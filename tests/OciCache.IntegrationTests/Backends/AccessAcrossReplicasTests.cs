using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OciCache.Testing.Backends;
using Xunit.Abstractions;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Access control on a replica set: a token one replica issued is honoured by the others (one signing key
/// in the shared database), and a console session signed in through one replica is known to all of them.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class AccessAcrossReplicasTests(ScaleOutBackends backends, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "carol-Pw-2207";

    private readonly AuthSetup _auth = new(("carol", Password));
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ReplicaCluster.StartAsync(backends, 3, new Dictionary<string, string>
        {
            ["OCICACHE_AUTH__HTPASSWD"] = _auth.HtpasswdPath,
            ["OCICACHE_AUTH__POLICIES__0__REPOSITORIES__0"] = "team/**",
            ["OCICACHE_AUTH__POLICIES__0__USERS__0"] = "carol",
            ["OCICACHE_AUTH__POLICIES__0__ACTIONS__0"] = "pull",
            ["OCICACHE_AUTH__POLICIES__0__ACTIONS__1"] = "push",
        });

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster?.Output() ?? "");
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _auth.Dispose();
    }

    [Fact]
    public async Task TokenIssuedByOneReplica_IsHonouredByEveryOther()
    {
        string token;
        using (var first = new HttpClient { BaseAddress = _cluster.ReplicaUrl(0) })
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=ocicache&scope=" + Uri.EscapeDataString("repository:team/app:pull,push")))
        {
            request.Headers.Authorization = AuthSetup.Basic("carol", Password);
            using var response = await first.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            token = json.RootElement.GetProperty("token").GetString()!;
        }

        var blob = TestBlob.Random(4096, seed: 2207);
        for (var i = 1; i < _cluster.Count; i++)
        {
            using var other = new HttpClient { BaseAddress = _cluster.ReplicaUrl(i) };
            other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var check = await other.GetAsync("/v2/");
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
            await other.PushBlobAsync("team/app", blob);
            using var read = await other.GetAsync($"/v2/team/app/blobs/{blob.Digest}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
    }

    [Fact]
    public async Task ConsoleSessionSignedInThroughOneReplica_WorksOnEveryOther()
    {
        using var browser = new OidcSignIn(_cluster.ReplicaUrl(0));
        using (var signIn = new HttpRequestMessage(HttpMethod.Post, "/ui/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "carol", ["password"] = Password, ["returnUrl"] = "/api/keys" }),
        })
        {
            signIn.Headers.Add("Origin", _cluster.ReplicaUrl(0).GetLeftPart(UriPartial.Authority));
            using var response = await browser.Client.SendAsync(signIn);
            Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Cookies are per host, not per port: the same browser reaches every replica with its session cookie.
        for (var i = 0; i < _cluster.Count; i++)
        {
            using var session = await browser.Client.GetAsync(new Uri(_cluster.ReplicaUrl(i), "/api/session"));
            Assert.True(session.StatusCode == HttpStatusCode.OK, $"replica {i}: {(int)session.StatusCode} {await session.Content.ReadAsStringAsync()}");
            Assert.Contains("carol", await session.Content.ReadAsStringAsync());
        }
    }
}
