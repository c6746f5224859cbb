namespace OciCache.Oci;

/// <summary>
/// A request the registry refuses for a reason the client can act on. Thrown where unwinding is the
/// natural control flow (validation deep inside a service); the host turns it into OCI error JSON in one place.
/// </summary>
public sealed class RegistryException(OciErrorCode code, string message, string? detail = null) : Exception(message)
{
    public OciErrorCode Code { get; } = code;

    public string? Detail { get; } = detail;

    /// <summary>Extra response headers (e.g. <c>Range</c> on 416, <c>Retry-After</c> on 429).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
