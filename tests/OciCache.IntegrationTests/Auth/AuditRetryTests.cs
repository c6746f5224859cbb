using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// A client that retries a refused write (podman and buildah retry a failed push) sends the same request
/// again within seconds: the audit log records the refusal once, not once per attempt.
/// </summary>
public sealed class AuditRetryTests
{
    [Fact]
    public async Task SameRefusalRetried_IsAuditedOnce_ADifferentOneOrALaterOneAgain()
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

        await PushManifestAsync("v2");
        time.Advance(TimeSpan.FromMinutes(2));
        await PushManifestAsync("v2");

        var denials = (await AuditFile.ReadAsync(server)).Where(e => e is { Action: "policy.deny", Who: "bob" }).ToList();
        Assert.True(denials.Select(e => e.Reference).SequenceEqual(["v1", "v2", "v2"]), string.Join('\n', denials));
    }
}
