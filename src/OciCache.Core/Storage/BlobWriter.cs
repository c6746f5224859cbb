using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Writes a blob to a private local file (the spool) while hashing it. <see cref="CommitAsync"/> checks
/// digest and size, then the store's <see cref="IBlobSink"/> publishes the file (a file store fsyncs and
/// renames it into <c>blobs/</c>; an object store uploads it); a writer disposed without a successful commit
/// deletes its file (unless it is a file store's upload session, which outlives one request).
/// </summary>
/// <remarks>States: open (writes allowed) → verified → committed; or open → discarded, or written unhashed and verified by the caller; then disposed.</remarks>
public sealed class BlobWriter : IAsyncDisposable, IDisposable
{
    private const int CopyBufferSize = 128 * 1024;

    private readonly IBlobSink _sink;
    private readonly FileStream _file;
    private readonly bool _keepOnDispose;
    private IncrementalHash _hash;
    private string _algorithm;
    private bool _done;
    private volatile bool _committed;
    private bool _unhashed;
    private Digest? _verified;
    private long _saved;

    internal BlobWriter(IBlobSink sink, string path, FileStream file, string algorithm, bool keepOnDispose)
    {
        _sink = sink;
        _file = file;
        _keepOnDispose = keepOnDispose;
        _algorithm = algorithm;
        _hash = IncrementalHash.CreateHash(Digest.HashAlgorithmFor(algorithm));
        TempPath = path;
        Length = file.Length;
        if (Length > 0)
        {
            RehashExisting();
        }

        _saved = Length;
    }

    /// <summary>The file being written; the store's own business (a fill's readers use <see cref="OpenFollower"/>).</summary>
    internal string TempPath { get; }

    /// <summary>Bytes written so far (the next write's offset).</summary>
    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        await _file.WriteAsync(data, cancellationToken);
        _hash.AppendData(data.Span);
        Length += data.Length;
    }

    /// <summary>
    /// Appends with one synchronous write and without hashing: for a caller that hashes the same bytes
    /// itself (a fill hashes on another thread) and ends with <see cref="VerifyComputed"/>. Writes to the
    /// page cache do not wait for the disk, so a thread-pool hop per chunk would cost more than it saves.
    /// </summary>
    public void WriteUnhashed(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _unhashed = true;
        _file.Write(data);
        Length += data.Length;
    }

    /// <summary>Copies a stream to the end of the blob; returns the number of bytes copied.</summary>
    public Task<long> WriteFromAsync(Stream source, CancellationToken cancellationToken = default) =>
        WriteFromAsync(source, long.MaxValue, cancellationToken);

    /// <summary>
    /// Copies at most <paramref name="limit"/> bytes of a stream to the end of the blob; returns the number
    /// of bytes copied. Whatever the stream holds past the limit is left unread.
    /// </summary>
    public async Task<long> WriteFromAsync(Stream source, long limit, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            int read;
            while (total < limit &&
                   (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - total)), cancellationToken)) > 0)
            {
                await WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Flushes written bytes to the OS so that readers of <see cref="TempPath"/> see them.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => new(_file.FlushAsync(cancellationToken));

    /// <summary>
    /// A read handle for a reader that follows this write (a fill's clients read while it grows): on the file
    /// being written, or on the blob once published as <paramref name="expected"/> (also when the rename came
    /// between the caller's check and this open). It survives the file being renamed or deleted while read.
    /// Null when neither is there (discarded, or evicted since). The caller disposes it.
    /// </summary>
    public SafeFileHandle? OpenFollower(Digest expected) =>
        _committed ? _sink.OpenPublished(expected) : ContentFile.TryOpenRead(TempPath) ?? _sink.OpenPublished(expected);

    /// <summary>
    /// Keeps what was appended since the last save for good: an upload session calls it after every
    /// chunk, before recording the new size, so the next request may continue on any replica.
    /// </summary>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (Length > _saved)
        {
            await _file.FlushAsync(cancellationToken);
            await _sink.SaveAsync(TempPath, _saved, Length, cancellationToken);
            _saved = Length;
        }
    }

    /// <summary>
    /// Reserves the disk space for a file that will grow to <paramref name="length"/> bytes, without changing
    /// its length: the file system allocates its extents once rather than block by block as writes arrive
    /// (on ext4 most of a buffered write's CPU is that per-block bookkeeping, not the copy). Best effort:
    /// false when the file system cannot reserve (or has no room); writes then allocate as usual and report a
    /// full disk themselves.
    /// </summary>
    public bool Reserve(long length)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        return length > Length && FileSync.Preallocate(_file.SafeFileHandle, Length, length - Length);
    }

    /// <summary>Counts every byte written so far as saved: a store that filled the spool from what it keeps.</summary>
    internal void MarkSaved() => _saved = Length;

    /// <summary>Cuts the file back to <paramref name="length"/> bytes (an upload whose last append was not recorded).</summary>
    public void Truncate(long length)
    {
        if (length >= Length)
        {
            return;
        }

        _file.SetLength(length);
        _file.Seek(0, SeekOrigin.End);
        Length = length;
        _saved = Math.Min(_saved, length);
        RehashExisting();
    }

    /// <summary>
    /// Publishes the blob if it hashes to <paramref name="expected"/> (and has <paramref name="expectedSize"/>
    /// bytes when given). On a mismatch the file is deleted and nothing is published.
    /// </summary>
    public async Task<BlobCommitResult> CommitAsync(Digest expected, long? expectedSize = null, CancellationToken cancellationToken = default)
    {
        var result = Verify(expected, expectedSize);
        if (result == BlobCommitResult.Committed)
        {
            await PublishAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// The first half of <see cref="CommitAsync"/>: checks size and digest and ends the writing. On a
    /// mismatch the file is deleted. A fill uses the halves apart, to hand the verified bytes to its
    /// clients before the slow part (fsync) runs.
    /// </summary>
    public BlobCommitResult Verify(Digest expected, long? expectedSize = null)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_unhashed)
        {
            throw new InvalidOperationException("Bytes written unhashed are verified with VerifyComputed.");
        }

        _done = true;
        if (expectedSize is { } size && size != Length)
        {
            Discard();
            return BlobCommitResult.SizeMismatch;
        }

        if (expected.Algorithm != _algorithm)
        {
            SwitchAlgorithm(expected.Algorithm);
        }

        if (Digest.FromHash(_algorithm, _hash.GetHashAndReset()) != expected)
        {
            Discard();
            return BlobCommitResult.DigestMismatch;
        }

        _verified = expected;
        return BlobCommitResult.Committed;
    }

    /// <summary>
    /// <see cref="Verify"/> for bytes written with <see cref="WriteUnhashed"/>: <paramref name="computed"/>
    /// is the caller's hash of exactly those bytes. On a mismatch the file is deleted.
    /// </summary>
    public BlobCommitResult VerifyComputed(Digest expected, long expectedSize, Digest computed)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        var result = expectedSize != Length ? BlobCommitResult.SizeMismatch
            : computed != expected ? BlobCommitResult.DigestMismatch
            : BlobCommitResult.Committed;
        if (result != BlobCommitResult.Committed)
        {
            Discard();
            return result;
        }

        _verified = expected;
        return result;
    }

    /// <summary>
    /// The second half of <see cref="CommitAsync"/>, after a successful <see cref="Verify"/>: the store's
    /// sink makes the bytes its blob (a file store fsyncs, renames and fsyncs the folder), so the blob is
    /// whole in the store before anyone records it.
    /// </summary>
    public async Task PublishAsync(CancellationToken cancellationToken = default)
    {
        var digest = _verified ?? throw new InvalidOperationException("Only verified bytes can be published.");
        try
        {
            await _sink.PublishAsync(_file, TempPath, digest, Length, cancellationToken);
            _committed = true;
        }
        catch
        {
            Discard();
            throw;
        }
    }

    /// <summary>Drops the bytes written so far.</summary>
    public void Discard()
    {
        _done = true;
        _file.Dispose();
        TryDelete(TempPath);
    }

    public void Dispose()
    {
        _done = true;
        _file.Dispose();
        _hash.Dispose();
        if (!_committed && !_keepOnDispose)
        {
            TryDelete(TempPath);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void SwitchAlgorithm(string algorithm)
    {
        _algorithm = algorithm;
        RehashExisting();
    }

    private void RehashExisting()
    {
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(Digest.HashAlgorithmFor(_algorithm));
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            using var reader = new FileStream(TempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long remaining = Length;
            while (remaining > 0)
            {
                var read = reader.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    break;
                }

                _hash.AppendData(buffer, 0, read);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temp file is removed at the next start.
        }
    }
}

public enum BlobCommitResult
{
    Committed,
    DigestMismatch,
    SizeMismatch,
}
