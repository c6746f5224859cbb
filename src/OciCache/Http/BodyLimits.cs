using Microsoft.AspNetCore.Http.Features;
using OciCache.Oci;

namespace OciCache.Http;

/// <summary>
/// Every request body has a bound that fits its route, enforced by Kestrel while the body is read (a
/// declared <c>Content-Length</c> past it is refused before a byte is read):
/// <code>
/// blob uploads (POST ?digest=, PATCH, PUT)   none: streamed to disk, hashed while written
/// manifest PUT                               ManifestDocument.MaxSize (4 MiB), read by ManifestWriter
/// forms (/token, /ui/signin, a session POST) <see cref="FormBytes"/>
/// anything else (the console's JSON API)     <see cref="DefaultBytes"/> (Kestrel's limit for the server)
/// </code>
/// Past the bound the request is answered 413 SIZE_INVALID (<see cref="RegistryMiddleware"/>), naming the bound.
/// </summary>
internal static class BodyLimits
{
    public const long DefaultBytes = 64 * 1024;

    public const long FormBytes = 16 * 1024;

    private const string WhatKey = "OciCache.BodyLimit";

    /// <summary>
    /// The bound of a registry route: blob uploads have none. A manifest PUT is read by <c>ManifestWriter</c>,
    /// which stops after <see cref="ManifestDocument.MaxSize"/> bytes and answers 413 itself, so Kestrel reads
    /// the rest away and the client, still sending, gets the answer; Kestrel's own limit would close the
    /// connection under it (clients push manifests without <c>Expect: 100-continue</c>).
    /// </summary>
    public static void ForRegistry(HttpContext context, RouteKind kind, string method)
    {
        if ((kind is RouteKind.UploadStart or RouteKind.Upload && method is "POST" or "PATCH" or "PUT") ||
            (kind == RouteKind.Manifest && method == "PUT"))
        {
            Set(context, null, "these request bodies");
        }
    }

    /// <summary>
    /// Reads the request's form within <see cref="FormBytes"/>. A form past the framework's field limits (more than
    /// 1024 fields, say) is REQUEST_INVALID.
    /// </summary>
    public static async Task<IFormCollection> ReadFormAsync(HttpContext context)
    {
        Set(context, FormBytes, "forms");
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            throw new FailureException(new RequestInvalid("the form cannot be read (too many or too long fields)"));
        }
    }

    /// <summary>What a 413 says: which bodies are limited to how many bytes.</summary>
    public static string Describe(HttpContext context) =>
        $"{context.Items[WhatKey] as string ?? "request bodies here"} are limited to " +
        $"{context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? DefaultBytes} bytes";

    private static void Set(HttpContext context, long? bytes, string what)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
            context.Items[WhatKey] = what;
        }
    }
}
