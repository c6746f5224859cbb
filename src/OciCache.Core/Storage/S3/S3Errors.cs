using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// Where the object store's failures become storage failures: unreachable, timed out or 5xx is
/// <see cref="StorageUnavailable"/> (503 with Retry-After in the host). Messages carry the status and S3's
/// error code, never a credential.
/// </summary>
internal static class S3Errors
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>True for a failure worth a 503: the store did not answer, or answered 5xx.</summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        AmazonServiceException { StatusCode: 0 } => true,
        HttpRequestException or TimeoutException or IOException => true,
        AmazonClientException => true,
        TaskCanceledException t => t.InnerException is TimeoutException,
        _ => false,
    };

    public static FailureException Unavailable(Exception e, string doing) =>
        new(new StorageUnavailable("the object store is unavailable", $"{doing}: {Describe(e)}", RetryAfter), e);

    public static string Describe(Exception e) => e is AmazonS3Exception s3
        ? $"{(int)s3.StatusCode} {s3.ErrorCode}".Trim()
        : e.GetType().Name + (e.InnerException is { } inner ? $" ({inner.Message})" : $" ({e.Message})");

    public static bool IsNotFound(Exception e) => e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound };
}
