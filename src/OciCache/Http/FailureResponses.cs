using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Http;

/// <summary>
/// The one place a <see cref="Failure"/> becomes an answer: its HTTP status, its OCI error code, the
/// headers its kind needs (<c>Range</c>, <c>Retry-After</c>, <c>WWW-Authenticate</c>) and the body
/// <c>{"errors":[{"code":"…","message":"…","detail":"…"}]}</c>. Failures carry none of these: Core speaks
/// in kinds (<c>Oci/</c>, with <see cref="UpstreamFailure"/> and <see cref="CopyFailed"/> beside them), and
/// only this file knows what each is on the wire.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes</remarks>
internal static class FailureResponses
{
    /// <summary>The status and code <paramref name="failure"/> is answered with.</summary>
    public static (int Status, OciErrorCode Code) Answer(Failure failure) => failure switch
    {
        BlobUnknown => (404, OciErrorCode.BlobUnknown),
        ManifestUnknown => (404, OciErrorCode.ManifestUnknown),
        ManifestBlobUnknown => (400, OciErrorCode.ManifestBlobUnknown),
        NameUnknown => (404, OciErrorCode.NameUnknown),
        UploadUnknown => (404, OciErrorCode.BlobUploadUnknown),
        NameInvalid => (400, OciErrorCode.NameInvalid),
        TagInvalid => (400, OciErrorCode.ManifestInvalid),
        DigestInvalid => (400, OciErrorCode.DigestInvalid),
        ManifestInvalid => (400, OciErrorCode.ManifestInvalid),
        TooLarge => (413, OciErrorCode.SizeInvalid),
        RangeInvalid => (416, OciErrorCode.BlobUploadInvalid),
        MirrorReadOnly or BlobInUse or Unsupported => (405, OciErrorCode.Unsupported),
        Denied => (403, OciErrorCode.Denied),
        Unauthorized => (401, OciErrorCode.Unauthorized),
        TooManyRequests => (429, OciErrorCode.TooManyRequests),
        Unavailable or StorageUnavailable => (503, OciErrorCode.Unavailable),
        StorageFull => (507, OciErrorCode.Unknown),
        UpstreamFailure { IsOutage: false } => (404, OciErrorCode.NameUnknown),
        UpstreamFailure => (503, OciErrorCode.Unavailable),
        CopyFailed { Cause: { } cause } => Answer(cause),
        RequestInvalid => (400, OciErrorCode.RequestInvalid),
        QueryInvalid => (400, OciErrorCode.QueryParameterInvalid),
        PageSizeInvalid => (400, OciErrorCode.PaginationNumberInvalid),
        BadRequest => (400, OciErrorCode.BlobUploadInvalid),
        _ => (500, OciErrorCode.Unknown),
    };

    /// <summary>Writes <paramref name="failure"/> as the answer (no body for HEAD).</summary>
    public static Task WriteAsync(HttpContext context, Failure failure)
    {
        var (status, code) = Answer(failure);
        var response = context.Response;
        response.StatusCode = status;
        switch (failure)
        {
            case RangeInvalid range:
                // Where the session stands, which the spec tells the client to resume from.
                response.Headers.Range = UploadService.RangeHeader(range.SessionSize);
                break;
            case TooManyRequests { RetryAfter: { } limited }:
                response.Headers.RetryAfter = Seconds(limited);
                break;
            case Unavailable { RetryAfter: { } busy }:
                response.Headers.RetryAfter = Seconds(busy);
                break;
            case StorageUnavailable { RetryAfter: { } locked }:
                response.Headers.RetryAfter = Seconds(locked);
                break;
            case Unauthorized { Challenge: { } challenge }:
                response.Headers.WWWAuthenticate = challenge;
                break;
        }

        if (failure is Unauthorized && !response.Headers.ContainsKey("WWW-Authenticate"))
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"ocicache\"";
        }

        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("errors");
            w.WriteStartObject();
            w.WriteString("code", code.Wire());
            w.WriteString("message", failure.Message);
            if (failure.Detail is not null)
            {
                w.WriteString("detail", failure.Detail);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>A <c>Retry-After</c> in whole seconds, at least 1.</summary>
    private static string Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString();
}
