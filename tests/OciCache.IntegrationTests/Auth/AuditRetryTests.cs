using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// A client that retries a refused write (podman and buildah retry a failed push) sends the same request
/// again within seconds: the audit log records the refusal once as it happens, and the retries as one line
/// with their count when the minute ends, not a line per attempt.
/// </summary>
public sealed class AuditRetryTests
{
    [Fact]
    public async Task SameRefusalRetried_IsAuditedOnceAndCounted_ALaterOneAgain()
    {
        using var auth = new AuthSetup(("bob", "bob-pw-1370"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RegistryServer.StartAsync(auth.Configure(a => a.Policies =
            [new PolicyRule { Repositories = ["site/**"], Users = ["bob"], Actions = ["pull"] }]), time: time);
        using var bob = AuthSetup.BasicClient(server, "bob", "bob-pw-1370");
        var image = TestImage.Create(layers: 1, seed: 1370);

        async Task PushManifestAsync(string tag)
        {
            using var content = new ByteArrayContent(image.Manifest.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(image.Manifest.MediaType);
            using var response = await bob.PutAsync($"/v2/site/app/manifests/{tag}", content);
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
        }

        for (var attempt = 0; attempt < 4; attempt++)
        {
            await PushManifestAsync("v1"); // a client's first attempt and its three retries
        }

        var atOnce = (await AuditFile.ReadAsync(server)).Where(e => e is { Action: "policy.deny", Who: "bob" }).ToList();
        Assert.True(atOnce.Select(e => (e.Reference, e.Count)).SequenceEqual([("v1", (int?)null)]), string.Join('\n', atOnce));

        time.Advance(TimeSpan.FromMinutes(2)); // the minute ends: the retries are one line with their count
        await PushManifestAsync("v2");

        var denials = (await AuditFile.ReadAsync(server)).Where(e => e is { Action: "policy.deny", Who: "bob" }).ToList();
        Assert.True(denials.Select(e => (e.Reference, e.Count)).SequenceEqual([("v1", (int?)null), (null, 3), ("v2", null)]), string.Join('\n', denials));
    }
}
