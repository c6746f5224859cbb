using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// Blob pushes: monolithic, single-POST and chunked upload sessions, and cross-repository mounts.
/// A session's bytes are in <c>uploads/&lt;id&gt;</c> and its offset in SQLite, so it survives a restart;
/// the hash state is kept in memory between requests and rebuilt from the file after a restart.
/// </summary>
public sealed class UploadService(IMetadataIndex index, IBlobStore store, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new();

    public string Start(Repository repository)
    {
        var id = Guid.NewGuid().ToString("N");
        var now = time.GetUtcNow();
        store.OpenUpload(id, 0).Dispose();
        index.CreateUpload(new UploadRecord(id, repository.Name, 0, now, now));
        return id;
    }

    /// <summary>The number of bytes the session holds.</summary>
    public long GetSize(Repository repository, string id)
    {
        var record = Find(repository, id);
        return _sessions.TryGetValue(id, out var session) && session.Writer is { } writer ? writer.Length : record.Size;
    }

    /// <summary>
    /// Appends a chunk. With a <paramref name="range"/> the session must stand at its start and the chunk
    /// must hold exactly its length, otherwise the chunk is refused with 416 and the current range, and
    /// nothing of it is kept.
    /// </summary>
    public Task<long> AppendAsync(Repository repository, string id, Stream chunk, ChunkRange? range, CancellationToken cancellationToken) =>
        WithSessionAsync(repository, id, async (session, writer) =>
        {
            if (range is { } claimed && claimed.Start != writer.Length)
            {
                throw RegistryErrors.RangeInvalid("chunk out of order",
                    $"expected a chunk starting at {writer.Length}, got {claimed.Start}", writer.Length);
            }

            return await AppendLockedAsync(session, writer, id, chunk, range?.Length, cancellationToken);
        }, cancellationToken);

    /// <summary>Appends the final chunk (if any), verifies the digest and publishes the blob.</summary>
    public Task<long> CompleteAsync(Repository repository, string id, Digest digest, Stream? finalChunk, CancellationToken cancellationToken) =>
        WithSessionAsync(repository, id, async (session, writer) =>
        {
            if (finalChunk is not null)
            {
                await AppendLockedAsync(session, writer, id, finalChunk, null, cancellationToken);
            }

            var size = writer.Length;
            BlobCommitResult result;
            try
            {
                result = await writer.CommitAsync(digest, null, cancellationToken);
            }
            finally
            {
                // Committed, refused or failed: the session is over either way and its file is gone.
                Forget(id, session);
            }

            if (result != BlobCommitResult.Committed)
            {
                throw RegistryErrors.DigestInvalid($"uploaded content does not hash to {digest}");
            }

            index.AddBlob(repository.Name, null, digest, size);
            return size;
        }, cancellationToken);

    public void Cancel(Repository repository, string id)
    {
        Find(repository, id);
        if (_sessions.TryRemove(id, out var session))
        {
            session.Writer?.Dispose();
        }

        index.DeleteUpload(id);
        store.DeleteUpload(id);
    }

    /// <summary>
    /// Abandons sessions untouched since <paramref name="cutoff"/>: their rows and bytes go. A session that
    /// is receiving a chunk right now is left for the next round.
    /// </summary>
    public int ExpireOlderThan(DateTimeOffset cutoff)
    {
        var expired = 0;
        foreach (var upload in index.ListUploads().Where(u => u.UpdatedAt < cutoff))
        {
            var session = _sessions.GetOrAdd(upload.Id, static _ => new Session());
            if (!session.Gate.Wait(0))
            {
                continue;
            }

            try
            {
                Forget(upload.Id, session);
                store.DeleteUpload(upload.Id);
                expired++;
            }
            finally
            {
                session.Gate.Release();
            }
        }

        return expired;
    }

    /// <summary>A whole blob in one request (POST with <c>?digest=</c>, or PUT after an empty POST).</summary>
    public async Task<long> PutMonolithicAsync(Repository repository, Digest digest, Stream body, CancellationToken cancellationToken)
    {
        await using var writer = store.CreateWriter(digest.Algorithm);
        try
        {
            await writer.WriteFromAsync(body, cancellationToken);
        }
        catch (IOException e) when (StorageErrors.IsDiskFull(e))
        {
            throw RegistryErrors.DiskFull($"no space left for blob {digest}");
        }

        var size = writer.Length;
        if (await writer.CommitAsync(digest, null, cancellationToken) != BlobCommitResult.Committed)
        {
            throw RegistryErrors.DigestInvalid($"uploaded content does not hash to {digest}");
        }

        index.AddBlob(repository.Name, null, digest, size);
        return size;
    }

    /// <summary>
    /// Links a blob another repository holds. With no <paramref name="from"/>, any stored blob may be mounted
    /// (distribution-spec 1.1 lets a registry find the source itself). False means "start an upload instead".
    /// </summary>
    public bool TryMount(Repository repository, Digest digest, string? from)
    {
        var available = from is null ? index.GetBlob(digest) is not null : index.GetLinkedBlobSize(from, digest) is not null;
        return available && store.TryGet(digest, out _) && index.LinkBlob(repository.Name, null, digest);
    }

    /// <summary>The <c>Range</c> header value for a session holding <paramref name="size"/> bytes.</summary>
    public static string RangeHeader(long size) => $"0-{Math.Max(0, size - 1)}";

    /// <summary>Runs <paramref name="work"/> holding the session's lock, with its writer open.</summary>
    private async Task<T> WithSessionAsync<T>(Repository repository, string id, Func<Session, BlobWriter, Task<T>> work, CancellationToken cancellationToken)
    {
        var record = Find(repository, id);
        var session = _sessions.GetOrAdd(id, static _ => new Session());
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            return await work(session, OpenWriter(session, record));
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Appends a chunk of <paramref name="length"/> bytes (any length when null), or nothing at all.</summary>
    private async Task<long> AppendLockedAsync(Session session, BlobWriter writer, string id, Stream chunk, long? length, CancellationToken cancellationToken)
    {
        var before = writer.Length;
        try
        {
            var written = await writer.WriteFromAsync(chunk, length ?? long.MaxValue, cancellationToken);
            if (length is { } expected && (written < expected || await HasMoreAsync(chunk, cancellationToken)))
            {
                throw RegistryErrors.RangeInvalid("chunk length does not match its Content-Range",
                    $"Content-Range {before}-{before + expected - 1} announces {expected} bytes, the body has {(written < expected ? written.ToString() : "more")}",
                    before);
            }
        }
        catch (Exception e)
        {
            // Keep the session at its last recorded size so the client can resume from the Range we report:
            // closing and reopening cuts off whatever part of the failed chunk reached the file.
            Close(session);
            store.OpenUpload(id, before).Dispose();
            if (StorageErrors.IsDiskFull(e))
            {
                throw RegistryErrors.DiskFull($"no space left for upload {id}");
            }

            throw;
        }

        index.SetUploadSize(id, writer.Length, time.GetUtcNow());
        return writer.Length;
    }

    private static async Task<bool> HasMoreAsync(Stream chunk, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        return await chunk.ReadAsync(probe, cancellationToken) > 0;
    }

    private UploadRecord Find(Repository repository, string id)
    {
        if (!DataLayout.IsUploadId(id) || index.GetUpload(id) is not { } record || record.Repository != repository.Name)
        {
            throw RegistryErrors.UploadUnknown(id);
        }

        return record;
    }

    /// <summary>The session's writer, opened from disk on first use after a restart.</summary>
    private BlobWriter OpenWriter(Session session, UploadRecord record)
    {
        if (session.Writer is { } open)
        {
            return open;
        }

        var writer = store.OpenUpload(record.Id, record.Size);
        if (writer.Length != record.Size)
        {
            // The file lost bytes the database recorded (a power cut before they reached the disk):
            // the file is the truth, and the client learns the real offset from the Range header.
            index.SetUploadSize(record.Id, writer.Length, time.GetUtcNow());
        }

        session.Writer = writer;
        return writer;
    }

    private static void Close(Session session)
    {
        session.Writer?.Dispose();
        session.Writer = null;
    }

    private void Forget(string id, Session session)
    {
        _sessions.TryRemove(new KeyValuePair<string, Session>(id, session));
        Close(session);
        index.DeleteUpload(id);
    }

    private sealed class Session
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public BlobWriter? Writer { get; set; }
    }
}
