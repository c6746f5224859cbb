namespace OciCache.Oci;

/// <summary>The error codes of the distribution-spec, plus the HTTP status each is answered with.</summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes</remarks>
public enum OciErrorCode
{
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    RangeInvalid,
    PayloadTooLarge,

    /// <summary>Not a spec code (distribution's): <c>n</c> of a paged list is not a number.</summary>
    PaginationNumberInvalid,

    /// <summary>Not a spec code: another query parameter of a listing (<c>last</c>, <c>artifactType</c>) is malformed.</summary>
    QueryParameterInvalid,

    /// <summary>Not a spec code: the data volume is full; the write was refused and nothing was kept.</summary>
    InsufficientStorage,

    /// <summary>Not a spec code: an unexpected server fault, still answered as OCI error JSON.</summary>
    Internal,

    /// <summary>Not a spec code: the upstream of a mirror repository failed and nothing is cached.</summary>
    Unavailable,

    /// <summary>Not a spec code: a management API request whose body or parameters are not what it takes.</summary>
    RequestInvalid,
}

public static class OciErrorCodes
{
    public static string Wire(this OciErrorCode code) => code switch
    {
        OciErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        OciErrorCode.BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
        OciErrorCode.BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        OciErrorCode.ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
        OciErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        OciErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.NameUnknown => "NAME_UNKNOWN",
        OciErrorCode.SizeInvalid => "SIZE_INVALID",
        OciErrorCode.Unauthorized => "UNAUTHORIZED",
        OciErrorCode.Denied => "DENIED",
        OciErrorCode.Unsupported => "UNSUPPORTED",
        OciErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        OciErrorCode.RangeInvalid => "BLOB_UPLOAD_INVALID",
        OciErrorCode.PayloadTooLarge => "SIZE_INVALID",
        OciErrorCode.PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
        OciErrorCode.QueryParameterInvalid => "QUERY_PARAMETER_INVALID",
        OciErrorCode.InsufficientStorage => "UNKNOWN",
        OciErrorCode.Internal => "UNKNOWN",
        OciErrorCode.Unavailable => "UNAVAILABLE",
        OciErrorCode.RequestInvalid => "REQUEST_INVALID",
        _ => "UNKNOWN",
    };

    public static int Status(this OciErrorCode code) => code switch
    {
        OciErrorCode.BlobUnknown => 404,
        OciErrorCode.BlobUploadInvalid => 400,
        OciErrorCode.BlobUploadUnknown => 404,
        OciErrorCode.DigestInvalid => 400,
        OciErrorCode.ManifestBlobUnknown => 400,
        OciErrorCode.ManifestInvalid => 400,
        OciErrorCode.ManifestUnknown => 404,
        OciErrorCode.NameInvalid => 400,
        OciErrorCode.NameUnknown => 404,
        OciErrorCode.SizeInvalid => 400,
        OciErrorCode.Unauthorized => 401,
        OciErrorCode.Denied => 403,
        OciErrorCode.Unsupported => 405,
        OciErrorCode.TooManyRequests => 429,
        OciErrorCode.RangeInvalid => 416,
        OciErrorCode.PayloadTooLarge => 413,
        OciErrorCode.PaginationNumberInvalid => 400,
        OciErrorCode.QueryParameterInvalid => 400,
        OciErrorCode.Unavailable => 503,
        OciErrorCode.RequestInvalid => 400,
        OciErrorCode.InsufficientStorage => 507,
        _ => 500,
    };
}
