using Microsoft.Win32.SafeHandles;

namespace OciCache.Storage;

/// <summary>
/// The bytes of one committed blob, opened for reading by <see cref="IBlobStore.OpenReadAsync"/>. The caller
/// owns it and disposes it. <see cref="Length"/> is the blob's length; <see cref="Stream"/> is seekable and
/// reads exactly those bytes; <see cref="ReadAtAsync"/> reads at an offset (a byte range) without moving
/// the stream. Once opened, the content stays readable to its end even when the blob is deleted or evicted
/// meanwhile (a file store opens with <see cref="FileShare.Delete"/>; another store must keep the same
/// promise, e.g. by reading a fixed version).
/// </summary>
/// <remarks>
/// <see cref="File"/> is an optimisation a store on a local file system offers, not part of the contract:
/// with it a response copies straight from the file into the socket's buffers (<see cref="RandomAccess"/>,
/// no stream in between); without it the caller reads through <see cref="ReadAtAsync"/>. One reader at a
/// time: the stream and its position are not shared between threads.
/// </remarks>
public sealed class BlobContent : IDisposable, IAsyncDisposable
{
    private readonly Stream? _stream;
    private FileStream? _fileStream;
    private long _length;

    /// <summary>Content read through a seekable stream, which this object then owns.</summary>
    /// <exception cref="ArgumentException">The stream cannot seek or read.</exception>
    public BlobContent(Stream stream, long length)
    {
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("Blob content must be a readable, seekable stream.", nameof(stream));
        }

        _stream = stream;
        _length = length;
    }

    /// <summary>
    /// Content in a local file, read through its handle, which this object then owns. The length is the
    /// file's, asked for (one fstat) only when someone reads <see cref="Length"/>: the warm path, which
    /// knows it from the lookup, does without.
    /// </summary>
    public BlobContent(SafeFileHandle file)
    {
        File = file;
        _length = -1;
    }

    /// <summary>The blob's length in bytes.</summary>
    public long Length => _length >= 0 ? _length : _length = RandomAccess.GetLength(File!);

    /// <summary>The open file, when the store keeps the blob in a local file; null otherwise. Owned by this object.</summary>
    public SafeFileHandle? File { get; }

    /// <summary>The bytes as a seekable stream, positioned at 0 when first asked for. Owned by this object.</summary>
    public Stream Stream => _stream ?? (_fileStream ??= new FileStream(File!, FileAccess.Read, bufferSize: 0));

    /// <summary>
    /// Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; 0 at the end of the blob.
    /// </summary>
    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length || buffer.IsEmpty)
        {
            return 0;
        }

        buffer = buffer[..(int)Math.Min(buffer.Length, Length - offset)];
        if (File is { } file)
        {
            return await RandomAccess.ReadAsync(file, buffer, offset, cancellationToken);
        }

        _stream!.Position = offset;
        return await _stream.ReadAsync(buffer, cancellationToken);
    }

    /// <summary>Reads the whole blob into memory: for small content only (a manifest, an image config), bounded by the caller.</summary>
    public async Task<byte[]> ReadAllAsync(CancellationToken cancellationToken)
    {
        var bytes = new byte[Length];
        var done = 0;
        while (done < bytes.Length)
        {
            var read = await ReadAtAsync(done, bytes.AsMemory(done), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"The blob ended after {done} of its {Length} bytes.");
            }

            done += read;
        }

        return bytes;
    }

    public void Dispose()
    {
        _fileStream?.Dispose();
        _stream?.Dispose();
        File?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_fileStream is not null)
        {
            await _fileStream.DisposeAsync();
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        File?.Dispose();
    }
}
