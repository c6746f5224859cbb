using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.Sync;

/// <summary>
/// Listings and token answers are read whole to be parsed, so each is bounded: a page or token larger
/// than its cap, or a page that trickles in, ends the listing with a clear failure instead of exhausting
/// the heap or holding a sync forever.
/// </summary>
public sealed class ListingBoundsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);
    private static readonly Repository App = Repository.Mirror("docker.io", "library/app");

    [Fact]
    public async Task ListTags_PageLargerThanTheCap_FailsNamingTheCap()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(context => HugeJsonAsync(context, "{\"name\":\"library/app\",\"tags\":[", "]}"));
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url);

        var listing = await cache.Services.GetRequiredService<UpstreamClient>().ListTagsAsync(App, 1000, 10, CancellationToken.None).WaitAsync(Guard);

        Assert.NotNull(listing.Failure);
        Assert.Equal(UpstreamFailureKind.Invalid, listing.Failure.Kind);
        Assert.Contains("tag list is larger than the 16777216 bytes", listing.Failure.Detail);
    }

    [Fact]
    public async Task ListTags_TokenAnswerLargerThanTheCap_FailsNamingTheCap()
    {
        string? url = null;
        await using var upstream = await ScriptedUpstream.StartAsync(context =>
        {
            if (context.Request.Path == "/token")
            {
                return HugeJsonAsync(context, "{\"expires_in\":300,\"token\":\"", "\"}", element: "\"\"", separator: "");
            }

            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{url}/token\",service=\"scripted\"";
            return Task.CompletedTask;
        });
        url = upstream.Url;
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url);

        var listing = await cache.Services.GetRequiredService<UpstreamClient>().ListTagsAsync(App, 1000, 10, CancellationToken.None).WaitAsync(Guard);

        Assert.NotNull(listing.Failure);
        Assert.Equal(UpstreamFailureKind.Unauthorized, listing.Failure.Kind);
        Assert.Contains("token answer is larger than the 1048576 bytes", listing.Failure.Detail);
    }

    [Fact]
    public async Task ListTags_PageTricklesIn_FailsAtTheListingTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync("{\"name\":\"library/app\",\"tags\":[\"a\""u8.ToArray());
            await context.Response.Body.FlushAsync();
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // the rest never comes
            }
            catch (OperationCanceledException)
            {
                // the cache hung up
            }
        });
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url, time: time);
        var upstreams = cache.Services.GetRequiredService<UpstreamClient>();

        var listing = upstreams.ListTagsAsync(App, 1000, 10, CancellationToken.None);
        await started.Task.WaitAsync(Guard);
        time.Advance(new UpstreamPolicyOptions().ListingTimeout);
        var result = await listing.WaitAsync(Guard);

        Assert.NotNull(result.Failure);
        Assert.Equal(UpstreamFailureKind.Timeout, result.Failure.Kind);
        Assert.Contains("UpstreamPolicy:ListingTimeout", result.Failure.Detail);
    }

    /// <summary>A JSON body of 20 MiB, sent chunked (no Content-Length): <paramref name="open"/>, elements, <paramref name="close"/>.</summary>
    private static async Task HugeJsonAsync(HttpContext context, string open, string close, string element = "\"tag-0123456789\"", string separator = ",")
    {
        context.Response.ContentType = "application/json";
        var filler = separator.Length == 0
            ? Encoding.ASCII.GetBytes(new string('a', 64 * 1024))
            : Encoding.ASCII.GetBytes(string.Join(separator, Enumerable.Repeat(element, 4096)) + separator);
        try
        {
            await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes(open), context.RequestAborted);
            for (long sent = 0; sent < 20 << 20; sent += filler.Length)
            {
                await context.Response.Body.WriteAsync(filler, context.RequestAborted);
            }

            await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes((separator.Length == 0 ? "" : element) + close), context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the cache stopped reading
        }
    }
}
