using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.PullThrough;

/// <summary>
/// One request's share of a <see cref="BlobFill"/>: while it lives the fill counts a waiting client.
/// Streams opened from it read the blob as it grows. Disposing it (the request ended) is idempotent.
/// </summary>
internal sealed class FillLease(BlobFill fill) : IGrowingBlob, IDisposable
{
    private int _disposed;

    public Digest Digest => fill.Digest;

    public long? Length => fill.Length;

    public long Received => fill.Received;

    public Task Completion => fill.Completion;

    public bool Published => fill.Published;

    public Exception? Failure => fill.Failure;

    public BlobFill Fill => fill;

    public Stream OpenRead(long offset) => new FillReadStream(fill.OpenReader(offset));

    public Task<long> GetLengthAsync(CancellationToken cancellationToken) => fill.GetLengthAsync(cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            fill.Release();
        }
    }
}

/// <summary>A reader's position in a fill and its own handle on the fill's file (null when relaying from the start).</summary>
internal sealed class FillReader(BlobFill fill, Microsoft.Win32.SafeHandles.SafeFileHandle? handle, long position) : IDisposable
{
    public Microsoft.Win32.SafeHandles.SafeFileHandle? Handle => handle;

    public long Position { get; set; } = position;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => fill.ReadAsync(this, buffer, cancellationToken);

    public void Dispose()
    {
        fill.CloseReader(this);
        handle?.Dispose();
    }
}

/// <summary>The read-only stream over a <see cref="FillReader"/>.</summary>
internal sealed class FillReadStream(FillReader reader) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => reader.Position;
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        reader.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        reader.ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            reader.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Where a fill gets its bytes and what it does once they are committed.</summary>
internal sealed record FillSource(
    Func<CancellationToken, Task<HttpResponseMessage>> OpenAsync,
    Func<BlobFill, long, Task> PublishAsync,
    Action<long> OnBytes);
