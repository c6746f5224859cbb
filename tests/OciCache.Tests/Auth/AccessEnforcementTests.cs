using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.Upstream;

namespace OciCache.Tests.Auth;

/// <summary>Access control on <c>/v2/…</c> of a real server: challenges, refusals, tokens, listings, mounts and audit events.</summary>
public sealed class AccessEnforcementTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-Secret-9137";
    private readonly AuthSetup _auth = new(("alice", AlicePassword), ("bob", "bob-pw"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z"));
    private readonly CapturingAuditLog _audit = new();
    private RegistryServer _server = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync(settings =>
        {
            _auth.Configure(a =>
            {
                a.Anonymous = new() { ["public/**"] = ["pull"], ["hub/**"] = ["pull"] };
                a.Groups = new() { ["admins"] = ["alice"] };
                a.AdminGroup = "admins";
                a.Policies =
                [
                    new PolicyRule { Repositories = ["site/**", "public/**"], Users = ["alice"], Actions = ["pull", "push", "delete"] },
                    new PolicyRule { Repositories = ["site/**"], Users = ["bob"], Actions = ["pull"] },
                ];
            })(settings);
            settings.Upstreams["hub"] = new UpstreamOptions { Url = "http://127.0.0.1:9" }; // never contacted: refused before
        }, time: _time, services: s => s.AddSingleton<IAuditLog>(_audit));
        _alice = AuthSetup.BasicClient(_server, "alice", AlicePassword);
        _bob = AuthSetup.BasicClient(_server, "bob", "bob-pw");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    [Fact]
    public async Task AnonymousPush_401_WithBearerChallengeForTheRepository()
    {
        using var response = await _server.Client.PostAsync("/v2/site/app/blobs/uploads/", null);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal($"Bearer realm=\"{_server.BaseUri.ToString().TrimEnd('/')}/token\",service=\"ocicache\",scope=\"repository:site/app:pull,push\"",
            response.Header("WWW-Authenticate"));
        var denial = Assert.Single(_audit.Events);
        Assert.Equal(("policy.deny", "unauthorized", "anonymous", "site/app"), (denial.Action, denial.Result, denial.Who, denial.Repository));
    }

    [Theory]
    [InlineData("/v2/hub/library/nginx/blobs/uploads/")]
    [InlineData("/v2/library/nginx/blobs/uploads/?ns=hub")]
    public async Task MirrorRoutes_CheckedByPolicyName_UpstreamThenRemoteName(string path)
    {
        using var anonymous = await _server.Client.PostAsync(path, null);
        using var alice = await _alice.PostAsync(path, null);

        Assert.Contains("scope=\"repository:hub/library/nginx:pull,push\"", anonymous.Header("WWW-Authenticate"));
        await RegistryHttp.AssertOciErrorAsync(alice, HttpStatusCode.Forbidden, "DENIED"); // mirrors are read-only to everyone
    }

    [Fact]
    public async Task BasicCredentials_PushAllowed_ReaderGets403Denied()
    {
        var image = TestImage.Create(layers: 1, seed: 301);
        await _alice.PushImageAsync("site/app", "v1", image);

        using var pull = await _bob.GetAsync("/v2/site/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        using var push = await _bob.PutManifestAsync("site/app", "v2", image.Manifest);
        await RegistryHttp.AssertOciErrorAsync(push, HttpStatusCode.Forbidden, "DENIED");
        using var delete = await _bob.DeleteAsync($"/v2/site/app/manifests/{image.Digest}");
        await RegistryHttp.AssertOciErrorAsync(delete, HttpStatusCode.Forbidden, "DENIED");
        Assert.Equal(2, _audit.Events.Count(e => e is { Action: "policy.deny", Result: "denied", Who: "bob" }));
    }

    [Fact]
    public async Task WrongPassword_401_AndNoSecretInLogAuditOrBody()
    {
        using var wrong = AuthSetup.BasicClient(_server, "alice", "Wrong-" + AlicePassword);
        using var response = await wrong.GetAsync("/v2/site/app/tags/list");
        var body = await response.Content.ReadAsStringAsync();
        var token = await AuthSetup.TokenAsync(_server, "alice", AlicePassword, "repository:site/app:pull,push");
        using var bearer = AuthSetup.BearerClient(_server, token);
        using var denied = await bearer.DeleteAsync("/v2/site/other/manifests/latest");
        var deniedBody = await denied.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer realm=", response.Header("WWW-Authenticate"));
        var everything = string.Join('\n', _server.Log.ToString(), string.Join('\n', _audit.Events), body, deniedBody);
        Assert.Contains(_audit.Events, e => e is { Action: "signin", Result: "failed", Who: "alice" });
        Assert.DoesNotContain(AlicePassword, everything);
        Assert.DoesNotContain(token, everything);
        Assert.DoesNotContain(token.Split('.')[2], everything);
    }

    [Fact]
    public async Task Token_ForOneRepository_UselessForAnother()
    {
        var token = await AuthSetup.TokenAsync(_server, "alice", AlicePassword, "repository:site/a:pull,push");
        using var client = AuthSetup.BearerClient(_server, token);

        using var own = await client.PostAsync("/v2/site/a/blobs/uploads/", null);
        using var other = await client.PostAsync("/v2/site/b/blobs/uploads/", null);

        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        await RegistryHttp.AssertOciErrorAsync(other, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Contains("scope=\"repository:site/b:pull,push\",error=\"insufficient_scope\"", other.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Token_OfReaderUsedToPush_403()
    {
        var token = await AuthSetup.TokenAsync(_server, "bob", "bob-pw", "repository:site/a:pull,push");
        using var client = AuthSetup.BearerClient(_server, token);
        using var push = await client.PostAsync("/v2/site/a/blobs/uploads/", null);

        await RegistryHttp.AssertOciErrorAsync(push, HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task Token_SignedByAnotherKey_401InvalidToken()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forger = new TokenSigner(other, "ocicache", _time);
        var forged = forger.Sign(forger.NewClaims("alice", "ocicache", TokenClaims.AccessUse, TimeSpan.FromMinutes(5),
            [new TokenAccess("repository", "site/a", AccessActions.All)]));
        using var client = AuthSetup.BearerClient(_server, forged);
        using var push = await client.PostAsync("/v2/site/a/blobs/uploads/", null);

        await RegistryHttp.AssertOciErrorAsync(push, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Contains("error=\"invalid_token\"", push.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Token_Expired_401()
    {
        var token = await AuthSetup.TokenAsync(_server, "alice", AlicePassword, "repository:site/a:pull,push");
        using var client = AuthSetup.BearerClient(_server, token);
        _time.Advance(TimeSpan.FromMinutes(5));

        using var push = await client.PostAsync("/v2/site/a/blobs/uploads/", null);
        await RegistryHttp.AssertOciErrorAsync(push, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Base_Anonymous200WithChallengeHeader_WrongCredentials401()
    {
        using var anonymous = await _server.Client.GetAsync("/v2/");
        using var wrong = AuthSetup.BasicClient(_server, "bob", "nope");
        using var refused = await wrong.GetAsync("/v2/");
        using var signedIn = await _bob.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.StartsWith("Bearer realm=", anonymous.Header("WWW-Authenticate"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Null(signedIn.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Catalog_ListsOnlyWhatTheCallerMayPull()
    {
        var image = TestImage.Create(layers: 1, seed: 302);
        await _alice.PushImageAsync("site/hidden", "v1", image);
        await _alice.PushImageAsync("public/shown", "v1", image);

        Assert.Equal("""{"repositories":["public/shown"]}""", await _server.Client.GetStringAsync("/v2/_catalog"));
        Assert.Equal("""{"repositories":["public/shown","site/hidden"]}""", await _bob.GetStringAsync("/v2/_catalog"));
        using var tags = await _server.Client.GetAsync("/v2/site/hidden/tags/list");
        Assert.Equal(HttpStatusCode.Unauthorized, tags.StatusCode);
    }

    [Fact]
    public async Task Catalog_WithToken_FollowsTheIdentitysPolicy()
    {
        await _alice.PushImageAsync("site/listed", "v1", TestImage.Create(layers: 1, seed: 306));
        var token = await AuthSetup.TokenAsync(_server, "bob", "bob-pw", "registry:catalog:*");
        using var bob = AuthSetup.BearerClient(_server, token);

        Assert.Contains("site/listed", await bob.GetStringAsync("/v2/_catalog"));
        Assert.DoesNotContain("site/listed", await _server.Client.GetStringAsync("/v2/_catalog"));
    }

    [Theory]
    [InlineData("alice", true, null)]
    [InlineData("bob", false, "DENIED")]
    [InlineData(null, false, "UNAUTHORIZED")]
    public async Task DemandAdmin_OnlyAdminGroup(string? user, bool allowed, string? code)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = _server.Services };
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        if (user is not null)
        {
            context.Request.Headers.Authorization = AuthSetup.Basic(user, user == "alice" ? AlicePassword : "bob-pw").ToString();
        }

        var access = _server.Services.GetRequiredService<OciCache.Access.AccessControl>();
        var refusal = await Record.ExceptionAsync(async () => await access.DemandAdminAsync(context));

        Assert.Equal(allowed, refusal is null);
        Assert.Equal(code, refusal is OciCache.Oci.FailureException e ? OciCache.Http.OciErrorCodes.Wire(OciCache.Http.FailureResponses.Answer(e.Failure).Code) : null);
    }

    [Fact]
    public async Task Mount_FromRepositoryTheCallerMayNotPull_FallsBackToUpload()
    {
        var layer = TestBlob.Random(4096, seed: 303);
        await _alice.PushBlobAsync("site/source", layer);
        using var fromHidden = await _alice.PostAsync($"/v2/public/target/blobs/uploads/?mount={layer.Digest}&from=site/source", null);
        Assert.Equal(HttpStatusCode.Created, fromHidden.StatusCode);

        var token = await AuthSetup.TokenAsync(_server, "alice", AlicePassword, "repository:public/other:pull,push");
        using var scoped = AuthSetup.BearerClient(_server, token);
        using var mount = await scoped.PostAsync($"/v2/public/other/blobs/uploads/?mount={layer.Digest}&from=site/source", null);
        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode); // the token holds no pull of site/source
    }

    [Fact]
    public async Task Writes_AreAudited_PushTagMoveAndDeletes()
    {
        var first = TestImage.Create(layers: 1, seed: 304);
        var second = TestImage.Create(layers: 1, seed: 305);
        await _alice.PushImageAsync("site/audited", "v1", first);
        await _alice.PushImageAsync("site/audited", "v1", second);
        using (await _alice.DeleteAsync($"/v2/site/audited/manifests/{second.Digest}")) { }
        using (await _alice.DeleteAsync($"/v2/site/audited/blobs/{second.Layers[0].Digest}")) { }

        var events = _audit.Events.Where(e => e.Repository == "site/audited").ToList();
        Assert.Equal(["manifest.push", "manifest.push", "tag.move", "manifest.delete", "blob.delete"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(("ok", "alice", "127.0.0.1"), (e.Result, e.Who, e.Source)));
        Assert.Equal($"{first.Digest} -> {second.Digest}", events[2].Detail);
        Assert.Equal(second.Digest.ToString(), events[3].Digest);
    }
}
