using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// The two loops of a fill. The producer moves the upstream body into slabs of the window, writes each
/// full slab to the temp file with one synchronous write (the page cache takes it; no thread hop per
/// chunk) and publishes it; when the disk refuses a write it goes on relaying. The hasher follows the
/// producer through the window on another thread, so hashing is off the path of the bytes: the
/// producer's pace is receive plus write, not receive plus write plus hash.
/// </summary>
internal static class FillProducer
{
    /// <summary>
    /// How far ahead of the writes the temp file's space is reserved (<see cref="BlobWriter.Reserve"/>): the
    /// file system allocates it in one step instead of block by block. Bounded, so an upstream that
    /// announces a huge length and then stalls holds at most this much disk it did not send.
    /// </summary>
    internal const long ReserveAhead = 64L * 1024 * 1024;

    /// <summary>
    /// Copies the body until it ends. Returns null when it ended, or why it broke off (a stall or an
    /// abort comes back as the watchdog's reason; a body longer than <paramref name="limit"/> is cut one
    /// byte past it). <paramref name="writer"/> is null when relaying from the start; the
    /// <paramref name="observer"/> is told of every slab's bytes, and once why, when the disk refuses them.
    /// </summary>
    public static async Task<UpstreamFailure?> RunAsync(
        Digest digest, Stream body, BlobWriter? writer, FillProgress progress, FillWatchdog watchdog, FillLimit limit, IFillObserver observer)
    {
        long reserved = 0;
        try
        {
            while (true)
            {
                if (progress.Received > limit.Bytes)
                {
                    return limit.Exceeded; // never more than one byte past what the blob may be
                }

                var slab = await progress.RentAsync(watchdog.Token);
                if (slab is null)
                {
                    return progress.Failure;
                }

                var room = (int)Math.Min(progress.SlabSize, limit.Bytes + 1 - progress.Received);
                var count = await FillSlabAsync(body, slab, room, watchdog);
                if (count == 0)
                {
                    progress.ReturnUnused(slab);
                    return null;
                }

                if (writer is not null && limit.IsLength && writer.Length + count > reserved)
                {
                    // Only a known length is reserved: a body that ends short of it fails the fill and its
                    // file is deleted, so no reserved block outlives the fill unused.
                    reserved = Math.Min(limit.Bytes, writer.Length + ReserveAhead);
                    writer.Reserve(reserved);
                }

                if (writer is not null && TryWrite(writer, slab.AsSpan(0, count)) is { } refused)
                {
                    writer = null;
                    observer.Relaying(digest, refused);
                }

                progress.Append(slab, count, inFile: writer is not null);
                observer.Received(count);
            }
        }
        catch (OperationCanceledException) when (watchdog.Token.IsCancellationRequested)
        {
            return watchdog.Reason;
        }
        catch (IOException e)
        {
            return new UpstreamFailure(UpstreamFailureKind.Unreachable, FailureText.Describe(e));
        }
        catch (HttpRequestException e)
        {
            return new UpstreamFailure(UpstreamFailureKind.Unreachable, FailureText.Describe(e));
        }
        finally
        {
            watchdog.PauseStallClock();
        }
    }

    /// <summary>Hashes what the producer publishes until the body ended; null when the fill failed first.</summary>
    public static async Task<Digest?> HashAsync(FillProgress progress, string algorithm)
    {
        using var hash = IncrementalHash.CreateHash(Digest.HashAlgorithmFor(algorithm));
        while (true)
        {
            var next = await progress.NextToHashAsync();
            if (next.IsEmpty)
            {
                return progress.Phase == FillPhase.Failed ? null : Digest.FromHash(algorithm, hash.GetHashAndReset());
            }

            hash.AppendData(next.Span);
            progress.Hashed(next.Length);
        }
    }

    /// <summary>
    /// Reads into the slab until it is full, the body ended, or a read found less than it asked for (the
    /// socket is drained: the link is slower than we are, so readers get the bytes now rather than when
    /// the slab is full). On a fast link the socket has data queued and slabs go out full, one write and
    /// one wake-up per slab. The stall clock runs during each read, and only then.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a wait per chunk: its box is reused, not allocated
    private static async ValueTask<int> FillSlabAsync(Stream body, byte[] slab, int size, FillWatchdog watchdog)
    {
        var filled = 0;
        while (filled < size)
        {
            var asked = size - filled;
            watchdog.ExpectBytes();
            var read = await body.ReadAsync(slab.AsMemory(filled, asked), watchdog.Token);
            watchdog.Received(read);
            watchdog.PauseStallClock(); // the clock runs only while a read waits on the upstream
            filled += read;
            if (read < asked)
            {
                break;
            }
        }

        return filled;
    }

    /// <summary>Writes a chunk to the temp file: null when written, else why the disk refused it.</summary>
    private static string? TryWrite(BlobWriter writer, ReadOnlySpan<byte> bytes)
    {
        try
        {
            writer.WriteUnhashed(bytes);
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }
}

/// <summary>
/// The most bytes a fill's body may bring, and the failure when it brings more. <see cref="IsLength"/>: the
/// bound is the blob's known length (else a cap on a body of unknown length).
/// </summary>
internal readonly record struct FillLimit(long Bytes, UpstreamFailure Exceeded, bool IsLength);
