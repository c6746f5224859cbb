using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Storage;

namespace OciCache.Tests.Conformance;

/// <summary>
/// A chunk racing the end of its session (PUT or DELETE on the same upload): the chunk either lands
/// before the end or is refused with a clean 404, and no upload file outlives its session.
/// </summary>
public sealed class UploadRaceTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private const int Rounds = 50;
    private const int Parallel = 4; // pairs racing at once, so the server's threads interleave them too

    private static readonly byte[] FirstChunk = TestBlob.Random(256 * 1024, seed: 91).Bytes;
    private static readonly byte[] RacingChunk = new byte[256 * 1024];

    private readonly HttpClient _client = fixture.Client;
    private int _patches;

    [Fact]
    public async Task PatchRacingPut_IsAcceptedBeforeOrUnknownAfter_AndLeavesNoOrphan()
    {
        var repo = RegistryFixture.NewRepository("race-put");
        var digest = RegistryHttp.DigestOf(FirstChunk);
        await RunRoundsAsync(repo, async location =>
        {
            var patch = SendRacingPatchAsync(location);
            var put = _client.PutAsync($"{location}?digest={digest}", null);
            using var patched = await patch;
            using var finished = await put;

            // The PUT answers 201 only when it hashed the first chunk alone, so a PATCH answered 202 as well
            // was taken into a session that had already ended.
            Assert.True(finished.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, await RegistryHttp.Describe(finished));
            if (finished.StatusCode == HttpStatusCode.Created)
            {
                await RegistryHttp.AssertOciErrorAsync(patched, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
            }
            else
            {
                await RegistryHttp.AssertOciErrorAsync(finished, HttpStatusCode.BadRequest, "DIGEST_INVALID");
                Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
            }
        });
    }

    [Fact]
    public async Task PatchRacingDelete_IsAcceptedBeforeOrUnknownAfter_AndLeavesNoOrphan()
    {
        var repo = RegistryFixture.NewRepository("race-delete");
        await RunRoundsAsync(repo, async location =>
        {
            var patch = SendRacingPatchAsync(location);
            var delete = _client.DeleteAsync(location);
            using var patched = await patch;
            using var deleted = await delete;

            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            if (patched.StatusCode != HttpStatusCode.Accepted)
            {
                await RegistryHttp.AssertOciErrorAsync(patched, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
            }

            using var status = await _client.GetAsync(location);
            await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        });
    }

    /// <summary>Rounds of: a session holding one chunk, then <paramref name="race"/> on it; then the store is checked.</summary>
    private async Task RunRoundsAsync(string repo, Func<string, Task> race)
    {
        await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(async () =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
                var location = post.Headers.Location!.ToString();
                using var first = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, FirstChunk,
                    ("Content-Range", $"0-{FirstChunk.Length - 1}")));
                Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
                await race(location);
            }
        })));

        var uploads = new DataLayout(fixture.Server.DataPath).Uploads;
        Assert.Empty(Directory.GetFiles(uploads));
        var report = await fixture.Server.Services.GetRequiredService<StoreVerifier>().VerifyAsync(repair: false);
        Assert.True(report.Consistent, string.Join("\n", report.Problems));
    }

    /// <summary>A second chunk, every other one streamed without Content-Range (so no offset check can refuse it).</summary>
    private Task<HttpResponseMessage> SendRacingPatchAsync(string location) =>
        Interlocked.Increment(ref _patches) % 2 == 0
            ? _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, RacingChunk,
                ("Content-Range", $"{FirstChunk.Length}-{FirstChunk.Length + RacingChunk.Length - 1}")))
            : _client.PatchAsync(location, new ByteArrayContent(RacingChunk));
}
