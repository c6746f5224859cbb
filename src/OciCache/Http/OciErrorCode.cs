namespace OciCache.Http;

/// <summary>
/// The error codes of the distribution-spec as the registry answers them. Core never names one: a failure
/// gets its code (and status) in <see cref="FailureResponses"/>.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes</remarks>
internal enum OciErrorCode
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

    /// <summary>Not a spec code (distribution's): <c>n</c> of a paged list is not a number.</summary>
    PaginationNumberInvalid,

    /// <summary>Not a spec code: another query parameter of a listing (<c>last</c>, <c>artifactType</c>) is malformed.</summary>
    QueryParameterInvalid,

    /// <summary>Not a spec code: a full volume, or an unexpected server fault, still answered as OCI error JSON.</summary>
    Unknown,

    /// <summary>Not a spec code: the upstream of a mirror repository failed and nothing is cached.</summary>
    Unavailable,

    /// <summary>Not a spec code: a management API request whose body or parameters are not what it takes.</summary>
    RequestInvalid,
}

internal static class OciErrorCodes
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
        OciErrorCode.PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
        OciErrorCode.QueryParameterInvalid => "QUERY_PARAMETER_INVALID",
        OciErrorCode.Unknown => "UNKNOWN",
        OciErrorCode.Unavailable => "UNAVAILABLE",
        OciErrorCode.RequestInvalid => "REQUEST_INVALID",
        _ => "UNKNOWN",
    };
}
