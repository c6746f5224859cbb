using System.Net;
using OciCache.Auth;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.Tags;

/// <summary>
/// <c>Tags:Immutable</c> with skopeo: a covered tag refuses to move, takes the same digest again, and is
/// deleted only with the delete permission, audited; tags the patterns do not cover move as before.
/// </summary>
public sealed class ImmutableTagTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-Pw-2311";
    private const string BobPassword = "bob-Pw-2312";
    private readonly AuthSetup _auth = new(("alice", AlicePassword), ("bob", BobPassword));
    private readonly TempDirectory _temp = new("immutable-tags");
    private readonly TestImage _first = TestImage.Create(layers: 1, seed: 2311);
    private readonly TestImage _second = TestImage.Create(layers: 1, seed: 2312);
    private RegistryServer _server = null!;

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync(settings =>
    {
        _auth.Configure(a => a.Policies =
        [
            new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Actions = ["pull", "push", "delete"] },
            new PolicyRule { Repositories = ["site/**"], Users = ["bob"], Actions = ["pull", "push"] },
        ])(settings);
        settings.Tags.Immutable = ["site/**:v*"];
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
        _auth.Dispose();
    }

    [Fact]
    public async Task Skopeo_ImmutableTag_RefusesAMove_TakesTheSameDigestAgain_OtherTagsMove()
    {
        await PushAsync(_first, "site/app:v1", "bob", BobPassword);
        await PushAsync(_first, "site/app:v1", "bob", BobPassword); // the same digest: fine, nothing changes

        var moved = await Skopeo.RunAsync(Copy(_second, "site/app:v1", "bob", BobPassword));
        Assert.NotEqual(0, moved.ExitCode);
        Assert.Contains("denied", moved.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"tag v1 of site/app is immutable (Tags:Immutable `site/**:v*`): it names {_first.Manifest.Digest}", moved.Stderr);
        Assert.Equal(_first.Manifest.Digest.ToString(), await TaggedDigestAsync("site/app", "v1"));

        await PushAsync(_first, "site/app:latest", "bob", BobPassword);
        await PushAsync(_second, "site/app:latest", "bob", BobPassword); // not covered: it moves
        Assert.Equal(_second.Manifest.Digest.ToString(), await TaggedDigestAsync("site/app", "latest"));
    }

    [Fact]
    public async Task ImmutableTag_DeleteNeedsTheDeletePermission_IsAudited_AndFreesTheTag()
    {
        await PushAsync(_first, "site/app:v2", "alice", AlicePassword);

        using (var bob = AuthSetup.BasicClient(_server, "bob", BobPassword))
        using (var refused = await bob.DeleteAsync("/v2/site/app/manifests/v2"))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.Forbidden, "DENIED");
        }

        using (var alice = AuthSetup.BasicClient(_server, "alice", AlicePassword))
        using (var deleted = await alice.DeleteAsync("/v2/site/app/manifests/v2"))
        {
            Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        }

        Assert.Contains(await AuditFile.ReadAsync(_server), e => e is { Action: "manifest.delete", Result: "ok", Who: "alice", Repository: "site/app", Reference: "v2" });
        await PushAsync(_second, "site/app:v2", "alice", AlicePassword); // deleted, the tag is new again
        Assert.Equal(_second.Manifest.Digest.ToString(), await TaggedDigestAsync("site/app", "v2"));
    }

    private async Task PushAsync(TestImage image, string target, string user, string password) =>
        await Skopeo.CheckedAsync(Copy(image, target, user, password));

    private string[] Copy(TestImage image, string target, string user, string password)
    {
        var layout = _temp.Combine(image.Manifest.Hex[..12]);
        if (!Directory.Exists(layout))
        {
            TestImage.WriteOciLayout(layout, "v1", image.Manifest, image.Blobs);
        }

        return ["copy", "--dest-tls-verify=false", "--preserve-digests", "--dest-creds", $"{user}:{password}", $"oci:{layout}:v1", $"docker://{_server.Host}/{target}"];
    }

    private async Task<string?> TaggedDigestAsync(string repository, string tag)
    {
        using var alice = AuthSetup.BasicClient(_server, "alice", AlicePassword);
        using var request = new HttpRequestMessage(HttpMethod.Head, $"/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await alice.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }
}
