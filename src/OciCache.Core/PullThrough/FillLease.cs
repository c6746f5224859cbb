using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// One request's share of a <see cref="BlobFill"/>: while it lives the fill counts a waiting client.
/// Readers opened from it follow the blob as it grows. Disposing it (the request ended) is idempotent.
/// </summary>
internal sealed class FillLease(BlobFill fill) : IGrowingBlob, IDisposable
{
    private int _disposed;
    private int _reserved = 1; // until the first reader opens, or the lease says it will not read

    public Digest Digest => fill.Digest;

    public long? Length => fill.Length;

    public long Received => fill.Received;

    public BlobFill Fill => fill;

    public IGrowingBlobReader? OpenRead(long offset) => fill.OpenReader(offset, reserved: Interlocked.Exchange(ref _reserved, 0) == 1);

    public Task<long?> GetLengthAsync(CancellationToken cancellationToken) => fill.GetLengthAsync(cancellationToken);

    public async Task<GrowingBlobOutcome> WhenDoneAsync(CancellationToken cancellationToken)
    {
        GiveUpReservation(); // waiting for the end, not reading: a relaying fill must not wait for this lease
        await fill.Completion.WaitAsync(cancellationToken);
        return fill.Phase switch
        {
            FillPhase.Published => new GrowingBlobOutcome(true, fill.Length ?? 0, null),
            FillPhase.Unkept => new GrowingBlobOutcome(false, fill.Length ?? 0, new StorageUnavailable("delivered but not stored (disk full or not writable)", null)),
            _ => new GrowingBlobOutcome(false, 0, (Failure?)fill.Failure ?? new Unavailable("failed", null)),
        };
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            GiveUpReservation();
            fill.Release();
        }
    }

    private void GiveUpReservation()
    {
        if (Interlocked.Exchange(ref _reserved, 0) == 1)
        {
            fill.Unreserve();
        }
    }
}

/// <summary>A reader's position in a fill and its own handle on the fill's file (null when relaying from the start).</summary>
internal sealed class FillReader(FillProgress progress, SafeFileHandle? handle, long position) : IGrowingBlobReader
{
    private int _disposed;

    public SafeFileHandle? Handle => handle;

    /// <summary>The next offset to read; changed only under the progress's lock or by the reader's own read.</summary>
    public long Position { get; set; } = position;

    /// <summary>Copying out of the window right now: the chunk at <see cref="Position"/> must stay. Under the progress's lock.</summary>
    public bool Pinned { get; set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a wait per chunk: its box is reused, not allocated
    public async ValueTask<GrowingRead> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await progress.ReadAsync(this, destination, cancellationToken);
        return new GrowingRead(read.Count, read.Failure?.ToString());
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            progress.RemoveReader(this);
            handle?.Dispose();
        }
    }
}
