using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Http;

/// <summary>
/// Sends a blob, whole or one byte range, from the store (<see cref="IBlobStore.OpenReadAsync"/>) or from a fill that is still growing.
/// Headers go out before any byte is read, so a client (containerd has a fixed 30 s header timeout)
/// never waits on a slow upstream to see them. Bytes are read straight into the response pipe, which
/// waits for the client (backpressure), so memory per response stays a few hundred KiB whatever the blob's size.
/// </summary>
internal static class BlobResponse
{
    /// <summary>Bytes read per step, straight into the response pipe's memory (no buffer of our own, one copy fewer).</summary>
    private const int ChunkSize = 256 * 1024;

    /// <summary>
    /// Writes the response. False when the bytes vanished (evicted or collected) between the lookup and
    /// their opening, before anything was sent: the caller looks the blob up again.
    /// </summary>
    public static async Task<bool> WriteAsync(HttpContext context, Digest digest, BlobLookup lookup)
    {
        var response = context.Response;
        var isHead = HttpMethods.IsHead(context.Request.Method);
        long? length = lookup switch
        {
            BlobLookup.Stored s => s.Length,
            BlobLookup.Filling f => f.Blob.Length,
            BlobLookup.Remote r => r.Length,
            _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
        };

        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "max-age=31536000";
        response.ContentType = "application/octet-stream";

        var rangeHeader = context.Request.Headers.Range.ToString();
        if (length is null && rangeHeader.Length > 0 && lookup is BlobLookup.Filling growing)
        {
            // A range needs the total; a fill that fails before knowing it is a failure to fetch.
            length = await growing.Blob.GetLengthAsync(context.RequestAborted);
            if (length is null)
            {
                await FailureResponses.WriteAsync(context, new BlobUnknown(digest, "blob unknown to registry", $"fetching {digest} from upstream failed", cause: null));
                return true;
            }
        }

        long start = 0;
        var count = length;
        if (length is { } total)
        {
            switch (ByteRange.TryParse(rangeHeader, total, out var range))
            {
                case ByteRange.Outcome.Unsatisfiable:
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = $"bytes */{total}";
                    response.ContentLength = 0;
                    return true;
                case ByteRange.Outcome.Partial:
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{total}";
                    start = range.Start;
                    count = range.Length;
                    break;
            }

            response.ContentLength = count;
        }

        if (isHead)
        {
            return true;
        }

        // Open the bytes before the headers go out: a blob evicted or renamed in between is then a second
        // lookup, not a response that has to be cut off.
        switch (lookup)
        {
            case BlobLookup.Stored:
                await using (var content = await context.RequestServices.GetRequiredService<IBlobStore>().OpenReadAsync(digest, context.RequestAborted))
                {
                    if (content is null)
                    {
                        return false;
                    }

                    await response.StartAsync(context.RequestAborted);
                    await CopyStoredAsync(context, content, digest, start, count!.Value);
                }

                return true;
            case BlobLookup.Filling filling:
                using (var reader = filling.Blob.OpenRead(start))
                {
                    if (reader is null)
                    {
                        return false;
                    }

                    // Headers go out now, not with the first body bytes: an upstream may send its headers long
                    // before its body (or stall after them), and the client's header timeout is running.
                    await response.StartAsync(context.RequestAborted);
                    await FlushAsync(response.BodyWriter, context);
                    if (await CopyGrowingAsync(context, reader, count) is not null)
                    {
                        // The fill logged why. Cutting the connection is how the client learns the body is bad.
                        context.Abort();
                    }
                }

                return true;
            default:
                throw new InvalidOperationException("A remote-only blob cannot be sent; fetch it first.");
        }
    }

    /// <summary>
    /// Runs <paramref name="serve"/> (lookup and response), and once more when the stored content was removed
    /// (evicted, collected) between its lookup and its opening: the second lookup finds it gone, and a mirror
    /// fetches it anew.
    /// </summary>
    public static async Task ServeAgainIfVanishedAsync(Func<Task<bool>> serve)
    {
        if (!await serve())
        {
            await serve();
        }
    }

    /// <summary>
    /// Copies a byte range of committed content. A store that keeps the blob in a local file hands over its
    /// handle, read straight into the pipe's memory (the warm path); any other store is read at offsets.
    /// </summary>
    private static async Task CopyStoredAsync(HttpContext context, BlobContent content, Digest digest, long offset, long count)
    {
        var writer = context.Response.BodyWriter;
        var file = content.File;
        while (count > 0)
        {
            var memory = writer.GetMemory(ChunkSize);
            var slice = memory[..(int)Math.Min(memory.Length, count)];
            var read = file is not null
                ? await RandomAccess.ReadAsync(file, slice, offset, context.RequestAborted)
                : await content.ReadAtAsync(offset, slice, context.RequestAborted);
            if (read == 0)
            {
                throw new IOException($"Blob {digest} ended {count} bytes early.");
            }

            writer.Advance(read);
            await FlushAsync(writer, context);
            ResponseBytes.Add(context, read);
            offset += read;
            count -= read;
        }
    }

    /// <summary>
    /// Copies <paramref name="count"/> bytes, or to the end when the length is not known yet. Returns null,
    /// or why the blob could not be completed (the response must then be cut off).
    /// </summary>
    private static async Task<string?> CopyGrowingAsync(HttpContext context, IGrowingBlobReader source, long? count)
    {
        var writer = context.Response.BodyWriter;
        var remaining = count ?? long.MaxValue;
        while (remaining > 0)
        {
            var memory = writer.GetMemory(ChunkSize);
            var read = await source.ReadAsync(memory[..(int)Math.Min(memory.Length, remaining)], context.RequestAborted);
            if (read.Failure is not null)
            {
                return read.Failure;
            }

            if (read.Count == 0)
            {
                return count is null ? null : $"blob ended {remaining} bytes before its announced length";
            }

            writer.Advance(read.Count);
            await FlushAsync(writer, context);
            ResponseBytes.Add(context, read.Count);
            remaining -= read.Count;
        }

        return null;
    }

    /// <summary>Sends what was written; waits while the client is slower than the disk (backpressure).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // waits once per chunk sent to a client slower than the fill: the box is reused
    private static async ValueTask FlushAsync(PipeWriter writer, HttpContext context)
    {
        var flushed = await writer.FlushAsync(context.RequestAborted);
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            throw new OperationCanceledException("the client went away");
        }
    }
}
