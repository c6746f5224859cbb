using System.Net;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// Personal API keys with real skopeo: created from a console session, used as the password with the person's
/// user name (<c>--creds carol:ocikey_…</c>, through <c>/token</c>), bounded by their scope, refused at once
/// after revocation.
/// </summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("apikeys");
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Skopeo_KeyAsPassword_PushesAndPullsUntilRevoked()
    {
        using var browser = await _site.FormSignInAsync();
        var (id, key) = await _site.CreateKeyAsync(browser, "repository:site/keys/**:pull,push");
        var source = Layout(501);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"carol:{key}", $"oci:{source}:v1", $"docker://{_site.Server.Host}/site/keys/app:v1");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--src-creds", $"carol:{key}", $"docker://{_site.Server.Host}/site/keys/app:v1", $"oci:{_temp.Combine("back")}:v1");
        var outsideScope = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"carol:{key}", $"oci:{source}:v1", $"docker://{_site.Server.Host}/site/other:v1");
        var otherUser = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{key}", $"oci:{source}:v1", $"docker://{_site.Server.Host}/site/keys/app:v2");

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}");
        revoke.Headers.Add("Origin", _site.Origin);
        revoke.Headers.Add("X-CSRF-Token", await SignInServer.CsrfTokenAsync(browser));
        using var revoked = await browser.Client.SendAsync(revoke);
        var afterRevoke = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"carol:{key}", $"oci:{source}:v1", $"docker://{_site.Server.Host}/site/keys/app:v3");

        Assert.NotEqual(0, outsideScope.ExitCode); // carol may push site/**, her key only site/keys/**
        Assert.NotEqual(0, otherUser.ExitCode);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.NotEqual(0, afterRevoke.ExitCode);
        var audit = await AuditFile.ReadAsync(_site.Server);
        Assert.Contains(audit, e => e is { Action: "manifest.push", Who: "carol", Repository: "site/keys/app", Reference: "v1" });
        Assert.DoesNotContain(audit, e => e is { Action: "manifest.push", Reference: "v3" or "v2" });
        Assert.Contains(audit, e => e is { Action: "apikey.create", Who: "carol" } && e.Detail!.StartsWith(id, StringComparison.Ordinal));
        Assert.Contains(audit, e => e is { Action: "apikey.revoke", Who: "carol", Detail: var d } && d == id);
        Assert.DoesNotContain(key, _site.Server.Log.ToString() + await AuditFile.ReadTextAsync(_site.Server));
    }

    /// <summary>containerd's <c>ctr --user carol:ocikey_…</c>: the same Basic-then-token path, through a hosts.toml mirror.</summary>
    [Fact]
    public async Task Ctr_KeyAsPassword_PushesAndPulls_RefusedOnceRevoked()
    {
        using var browser = await _site.FormSignInAsync();
        var (id, key) = await _site.CreateKeyAsync(browser, "repository:site/ctr/**:pull,push");
        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"carol:{key}", $"oci:{Layout(503)}:v1", $"docker://{_site.Server.Host}/site/ctr/source:v1");

        await using var containerd = await Containerd.StartAsync();
        var url = $"http://{_site.Server.Host}";
        containerd.WriteHostsToml(_site.Server.Host, url, (url, "\"pull\", \"resolve\", \"push\""));
        var source = $"{_site.Server.Host}/site/ctr/source:v1";
        var target = $"{_site.Server.Host}/site/ctr/pushed:v2";
        var user = $"carol:{key}";
        await containerd.CtrCheckedAsync("images", "pull", "--user", user, "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", source);
        await containerd.CtrCheckedAsync("images", "tag", source, target);
        await containerd.CtrCheckedAsync("images", "push", "--user", user, "--hosts-dir", containerd.HostsDir, target);

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}");
        revoke.Headers.Add("Origin", _site.Origin);
        revoke.Headers.Add("X-CSRF-Token", await SignInServer.CsrfTokenAsync(browser));
        using (var revoked = await browser.Client.SendAsync(revoke))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await containerd.CtrCheckedAsync("images", "tag", source, $"{_site.Server.Host}/site/ctr/pushed:v3");
        var afterRevoke = await containerd.CtrAsync("images", "push", "--user", user, "--hosts-dir", containerd.HostsDir, $"{_site.Server.Host}/site/ctr/pushed:v3");

        Assert.NotEqual(0, afterRevoke.ExitCode);
        var audit = await AuditFile.ReadAsync(_site.Server);
        Assert.Contains(audit, e => e is { Action: "manifest.push", Who: "carol", Repository: "site/ctr/pushed", Reference: "v2" });
        Assert.DoesNotContain(audit, e => e is { Action: "manifest.push", Reference: "v3" });
        Assert.DoesNotContain(key, _site.Server.Log.ToString() + await AuditFile.ReadTextAsync(_site.Server) + containerd.Log);
    }

    [Fact]
    public async Task Podman_OidcPersonsKey_PushesWithTheGroupsOfTheSignIn()
    {
        // alice exists only at the issuer; her key keeps the group devs, which may push team/**.
        using var alice = new OidcSignIn(_site.Server.BaseUri);
        using (var signedIn = await alice.SignInAsync(_site.Provider))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        var (_, key) = await _site.CreateKeyAsync(alice, "repository:team/**:pull,push");
        using var podman = new Podman(_site.Server.Host);
        var image = TestImage.Create(layers: 1, seed: 502);
        using (var pusher = AuthSetup.BasicClient(_site.Server, "alice", key))
        {
            await pusher.PushImageAsync("team/base", "v1", image);
        }

        await podman.CheckedAsync("login", "-u", "alice", "-p", key, _site.Server.Host);
        await podman.CheckedAsync("pull", $"{_site.Server.Host}/team/base:v1");
        await podman.CheckedAsync("tag", $"{_site.Server.Host}/team/base:v1", $"{_site.Server.Host}/team/podman:v2");
        await podman.CheckedAsync("push", $"{_site.Server.Host}/team/podman:v2");
        var outside = await podman.RunAsync("push", $"{_site.Server.Host}/team/base:v1", $"{_site.Server.Host}/site/podman:v2");

        Assert.NotEqual(0, outside.ExitCode); // the key's scope stops at team/**
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "manifest.push", Who: "oidc:alice", Repository: "team/podman" });
        Assert.DoesNotContain(key, _site.Server.Log.ToString());
    }

    [Fact]
    public async Task AdminApi_WithAnAdminsKey_Refused()
    {
        using var alice = new OidcSignIn(_site.Server.BaseUri); // in the admin group at the issuer
        using (await alice.SignInAsync(_site.Provider))
        {
        }

        var (_, key) = await _site.CreateKeyAsync(alice, "repository:**:*");
        using var withKey = AuthSetup.BasicClient(_site.Server, "alice", key);
        var token = await AuthSetup.TokenAsync(_site.Server, "alice", key, "repository:team/app:pull");
        using var withToken = AuthSetup.BearerClient(_site.Server, token);

        using var basic = await withKey.PutAsync("/api/offline", new StringContent("""{"offline": true}"""));
        using var bearer = await withToken.PutAsync("/api/offline", new StringContent("""{"offline": true}"""));
        using var keys = await withKey.PostAsync("/api/keys", new StringContent("""{"name":"more","scopes":["repository:**:*"]}"""));

        Assert.Equal(HttpStatusCode.Forbidden, basic.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode); // a key cannot make keys
        Assert.Contains("\"offline\":false", await alice.Client.GetStringAsync("/api/offline"));
    }

    [Fact]
    public async Task Token_OfARevokedKey_StopsAtOnce()
    {
        using var browser = await _site.FormSignInAsync();
        var (id, key) = await _site.CreateKeyAsync(browser, "repository:site/**:pull,push");
        var token = await AuthSetup.TokenAsync(_site.Server, "carol", key, "repository:site/fast:pull,push");
        using var bearer = AuthSetup.BearerClient(_site.Server, token);
        Assert.Equal(HttpStatusCode.Accepted, (await bearer.PostAsync("/v2/site/fast/blobs/uploads/", null)).StatusCode);

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}");
        revoke.Headers.Add("Origin", _site.Origin);
        revoke.Headers.Add("X-CSRF-Token", await SignInServer.CsrfTokenAsync(browser));
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Client.SendAsync(revoke)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.PostAsync("/v2/site/fast/blobs/uploads/", null)).StatusCode);
        using var basic = AuthSetup.BasicClient(_site.Server, "carol", key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/token?service=ocicache&scope=repository:site/fast:pull")).StatusCode);
    }

    [Fact]
    public async Task Keys_OfAnotherPerson_NeitherListedNorRevocable()
    {
        using var carol = await _site.FormSignInAsync();
        var (id, _) = await _site.CreateKeyAsync(carol, "repository:site/**:pull");
        using var alice = new OidcSignIn(_site.Server.BaseUri);
        using (var signedIn = await alice.SignInAsync(_site.Provider))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}");
        revoke.Headers.Add("Origin", _site.Origin);
        revoke.Headers.Add("X-CSRF-Token", await SignInServer.CsrfTokenAsync(alice));

        Assert.Equal("[]", await alice.Client.GetStringAsync("/api/keys"));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.Client.SendAsync(revoke)).StatusCode);
        Assert.Contains(id, await carol.Client.GetStringAsync("/api/keys"));
    }

    private string Layout(int seed)
    {
        var image = TestImage.Create(layers: 2, layerBytes: 64 * 1024, seed: seed);
        var path = _temp.Combine($"layout-{seed}");
        TestImage.WriteOciLayout(path, "v1", image.Manifest, image.Blobs);
        return path;
    }
}
