namespace OciCache.Http;

/// <summary>
/// Per-request count of body bytes actually sent, for responses streamed without a fixed-size body
/// (blobs, where a client may hang up halfway). Set by the request log, advanced by the blob writer.
/// </summary>
internal sealed class ResponseBytes
{
    public long Count;

    public static void Add(HttpContext context, long bytes)
    {
        if (context.Features.Get<ResponseBytes>() is { } counter)
        {
            counter.Count += bytes;
        }
    }
}
