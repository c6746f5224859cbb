using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// Where the object store's failures become storage failures: unreachable, timed out, 5xx or refused is
/// <see cref="StorageUnavailable"/> (503 with Retry-After in the host). Messages carry the status and S3's
/// error code, never a credential.
/// </summary>
internal static class S3Errors
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// True for a failure worth a 503: the store did not answer, answered 5xx, or refused in a way no client
    /// can fix (403 for wrong credentials, 404 for a missing bucket: the operator's to fix, never a 500).
    /// The callers catch a missing object (404 on a key) before asking.
    /// </summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        AmazonServiceException => true,
        HttpRequestException or TimeoutException => true,
        FileNotFoundException => false,
        IOException io => !StorageErrors.IsDiskFull(io) && !StorageErrors.IsReadOnly(io), // a broken connection, not the spool's volume
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
