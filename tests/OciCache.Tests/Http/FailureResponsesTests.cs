using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OciCache.Http;
using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.Tests.Http;

/// <summary>
/// Every failure kind as it goes on the wire: status, OCI code, message, detail and the headers its kind
/// needs, exactly as clients and the conformance suite saw them before failures were domain values.
/// </summary>
public sealed class FailureResponsesTests
{
    private static readonly Digest Blob = Digest.ComputeSha256([1, 2, 3]);

    public static TheoryData<Failure, int, string> Kinds() => new()
    {
        { new BlobUnknown(Blob), 404, "BLOB_UNKNOWN" },
        { new BlobUnknown(Blob, "blob unknown to registry: not cached", "detail", new UpstreamFailure(UpstreamFailureKind.Timeout, "no response in time")), 404, "BLOB_UNKNOWN" },
        { new ManifestUnknown("v1"), 404, "MANIFEST_UNKNOWN" },
        { new ManifestBlobUnknown(Blob, "blob unknown to registry"), 400, "MANIFEST_BLOB_UNKNOWN" },
        { new NameUnknown("site/app"), 404, "NAME_UNKNOWN" },
        { new NameUnknown("no such pin", "docker.io/x"), 404, "NAME_UNKNOWN" },
        { new UploadUnknown("0123"), 404, "BLOB_UPLOAD_UNKNOWN" },
        { new NameInvalid("UPPER"), 400, "NAME_INVALID" },
        { new TagInvalid("-bad"), 400, "MANIFEST_INVALID" },
        { new DigestInvalid("uploaded content does not hash to it"), 400, "DIGEST_INVALID" },
        { new ManifestInvalid("schemaVersion must be 2"), 400, "MANIFEST_INVALID" },
        { new TooLarge("manifest too large", "manifests are limited to 4194304 bytes"), 413, "SIZE_INVALID" },
        { new RangeInvalid("chunk out of order", "expected 10", 10), 416, "BLOB_UPLOAD_INVALID" },
        { new MirrorReadOnly("docker.io/library/nginx", "docker.io"), 405, "UNSUPPORTED" },
        { new BlobInUse("site/app", Blob), 405, "UNSUPPORTED" },
        { new Unsupported("the operation is unsupported", "PATCH /v2/"), 405, "UNSUPPORTED" },
        { new Denied("admin group only"), 403, "DENIED" },
        { new Unauthorized("wrong user name or password"), 401, "UNAUTHORIZED" },
        { new TooManyRequests("too many open upload sessions", "finish one first"), 429, "TOOMANYREQUESTS" },
        { new Unavailable("too many manifests being fetched", "retry shortly", TimeSpan.FromSeconds(1)), 503, "UNAVAILABLE" },
        { new StorageFull("metadata database"), 507, "UNKNOWN" },
        { StorageUnavailable.Busy(), 503, "UNAVAILABLE" },
        { StorageUnavailable.ReadOnly(), 503, "UNAVAILABLE" },
        { new UpstreamFailure(UpstreamFailureKind.ServerError, "upstream answered 500"), 503, "UNAVAILABLE" },
        { new UpstreamFailure(UpstreamFailureKind.NotFound, "not found upstream"), 404, "NAME_UNKNOWN" },
        { new CopyFailed("blob unknown", new BlobUnknown(Blob)), 404, "BLOB_UNKNOWN" },
        { new CopyFailed("no manifest for platform linux/s390x"), 500, "UNKNOWN" },
        { new RequestInvalid("expected a form"), 400, "REQUEST_INVALID" },
        { new QueryInvalid("invalid last", "last=x is not a digest"), 400, "QUERY_PARAMETER_INVALID" },
        { new PageSizeInvalid("invalid page size", "n=x"), 400, "PAGINATION_NUMBER_INVALID" },
        { new BadRequest("request headers too large"), 400, "BLOB_UPLOAD_INVALID" },
        { new InternalError("request 1; the server log has the details"), 500, "UNKNOWN" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WriteAsync_EachKind_StatusCodeMessageAndDetail(Failure failure, int status, string code)
    {
        var (context, body) = await WriteAsync(failure);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        var error = body.RootElement.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(failure.Message, error.GetProperty("message").GetString());
        Assert.Equal(failure.Detail, error.TryGetProperty("detail", out var detail) ? detail.GetString() : null);
    }

    /// <summary>Every kind Core or the host defines has its own answer; a new kind without one would be a 500.</summary>
    [Fact]
    public void Answer_EveryKind_IsMapped()
    {
        var kinds = new[] { typeof(Failure).Assembly, typeof(FailureResponses).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(Failure)) && !t.IsAbstract && t != typeof(InternalError) && t != typeof(CopyFailed));
        var failures = Kinds().Select(row => (Failure)row[0]).ToList();

        Assert.All(kinds, kind => Assert.Contains(kind, failures.Select(f => f.GetType())));
        Assert.All(failures.Where(f => f is not (InternalError or CopyFailed { Cause: null })),
            f => Assert.NotEqual(500, FailureResponses.Answer(f).Status));
    }

    [Fact]
    public async Task WriteAsync_RangeInvalid_TellsWhereTheSessionStands()
    {
        var (context, _) = await WriteAsync(new RangeInvalid("chunk out of order", "expected a chunk starting at 10, got 4", 10));

        Assert.Equal("0-9", context.Response.Headers.Range.ToString());
    }

    [Fact]
    public async Task WriteAsync_EmptyUploadRangeInvalid_RangeIsZeroToZero()
    {
        var (context, _) = await WriteAsync(new RangeInvalid("invalid Content-Range", "bytes", 0));

        Assert.Equal("0-0", context.Response.Headers.Range.ToString());
    }

    [Theory]
    [InlineData(2.2, "3")]
    [InlineData(0.1, "1")]
    public async Task WriteAsync_TooManyRequests_RetryAfterInWholeSecondsAtLeastOne(double seconds, string header)
    {
        var (context, _) = await WriteAsync(new TooManyRequests("too many failed sign-ins from this address", "try again later", TimeSpan.FromSeconds(seconds)));

        Assert.Equal(header, context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task WriteAsync_StorageBusy_RetryAfterTen_ReadOnly_None()
    {
        var (busy, _) = await WriteAsync(StorageUnavailable.Busy());
        var (readOnly, _) = await WriteAsync(StorageUnavailable.ReadOnly());

        Assert.Equal("10", busy.Response.Headers.RetryAfter.ToString());
        Assert.False(readOnly.Response.Headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task WriteAsync_Unauthorized_SendsItsChallengeOrBasic()
    {
        var (bearer, _) = await WriteAsync(new Unauthorized("access to repository:a:pull", "Bearer realm=\"https://c/token\",service=\"c\""));
        var (basic, _) = await WriteAsync(new Unauthorized("wrong user name or password"));

        Assert.Equal("Bearer realm=\"https://c/token\",service=\"c\"", bearer.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal("Basic realm=\"ocicache\"", basic.Response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task WriteAsync_Head_HasLengthButNoBody()
    {
        var (context, _) = await WriteAsync(new BlobUnknown(Blob), HttpMethods.Head);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.True(context.Response.ContentLength > 0);
        Assert.Equal(0, context.Response.Body.Length);
    }

    private static async Task<(HttpContext Context, JsonDocument Body)> WriteAsync(Failure failure, string method = "GET")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Response.Body = new MemoryStream();

        await FailureResponses.WriteAsync(context, failure);

        context.Response.Body.Position = 0;
        return (context, context.Response.Body.Length == 0 ? JsonDocument.Parse("{}") : await JsonDocument.ParseAsync(context.Response.Body));
    }
}
