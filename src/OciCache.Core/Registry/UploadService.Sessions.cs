using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>The session machinery behind <see cref="UploadService"/>'s requests: locking, lookup, writers, ending.</summary>
public sealed partial class UploadService
{
    /// <summary>Runs <paramref name="work"/> holding the session's lock, with its writer open.</summary>
    private Task<T> WithSessionAsync<T>(Repository repository, string id, Func<Session, BlobWriter, Task<T>> work, CancellationToken cancellationToken) =>
        WithLockedSessionAsync(repository, id, async (session, record) => await work(session, await OpenWriterAsync(id, session, record)), cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> holding the session's lock, with the session's row as it is under the
    /// lock. A session that ended while this request waited for the lock is unknown.
    /// </summary>
    private async Task<T> WithLockedSessionAsync<T>(Repository repository, string id, Func<Session, UploadRecord, Task<T>> work, CancellationToken cancellationToken)
    {
        await FindAsync(repository, id, cancellationToken); // an unknown id is refused without queuing on a lock
        var session = _sessions.GetOrAdd(id, static _ => new Session());
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Ended)
            {
                throw new FailureException(new UploadUnknown(id));
            }

            UploadRecord record;
            try
            {
                record = await FindAsync(repository, id, cancellationToken);
            }
            catch (FailureException e) when (e.Failure is UploadUnknown)
            {
                // Ended between the first look and the lock, by a request that held it before this one
                // was added: this entry was made for a session that is gone.
                await EndAsync(id, session);
                throw;
            }

            return await work(session, record);
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
                throw new FailureException(new RangeInvalid("chunk length does not match its Content-Range",
                    $"Content-Range {before}-{before + expected - 1} announces {expected} bytes, the body has {(written < expected ? written.ToString() : "more")}",
                    before));
            }
        }
        catch (Exception e)
        {
            // Keep the session at its last recorded size so the client can resume from the Range we report:
            // closing and reopening cuts off whatever part of the failed chunk reached the file.
            Close(session);
            await store.CutUploadAsync(id, before);
            if (StorageErrors.IsDiskFull(e))
            {
                throw new FailureException(new StorageFull($"no space left for upload {id}"));
            }

            throw;
        }

        await writer.SaveAsync(cancellationToken); // in the store for good before the size is: any replica may take the next chunk
        await index.SetUploadSizeAsync(id, writer.Length, time.GetUtcNow());
        return writer.Length;
    }

    private static async Task<bool> HasMoreAsync(Stream chunk, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        return await chunk.ReadAsync(probe, cancellationToken) > 0;
    }

    private async Task<UploadRecord> FindAsync(Repository repository, string id, CancellationToken cancellationToken)
    {
        if (!DataLayout.IsUploadId(id) || await index.GetUploadAsync(id, cancellationToken) is not { } record || record.Repository != repository.Name)
        {
            throw new FailureException(new UploadUnknown(id));
        }

        return record;
    }

    /// <summary>The session's writer, opened from disk on first use after a restart.</summary>
    private async Task<BlobWriter> OpenWriterAsync(string id, Session session, UploadRecord record)
    {
        if (session.Writer is { } open)
        {
            if (open.Length == record.Size)
            {
                return open;
            }

            Close(session); // another replica appended since: the store holds more than this writer
        }

        BlobWriter writer;
        try
        {
            writer = await store.OpenUploadAsync(record.Id, record.Size);
        }
        catch (FileNotFoundException)
        {
            // A row whose file is gone (removed behind the server's back): the session cannot go on.
            await ForgetAsync(id, session);
            throw new FailureException(new UploadUnknown(id));
        }

        if (writer.Length != record.Size)
        {
            // The file lost bytes the database recorded (a power cut before they reached the disk):
            // the file is the truth, and the client learns the real offset from the Range header.
            await index.SetUploadSizeAsync(record.Id, writer.Length, time.GetUtcNow());
        }

        session.Writer = writer;
        return writer;
    }

    private static void Close(Session session)
    {
        session.Writer?.Dispose();
        session.Writer = null;
    }

    /// <summary>
    /// Ends the session, under its lock: requests queued on the lock will find it ended, later ones find
    /// no row. The row goes here; the file is the caller's (a commit moves it, <see cref="ForgetAsync"/> deletes it).
    /// The request's thread is free while the row's delete waits for the database.
    /// </summary>
    /// <remarks>
    /// The row goes before the entry leaves <c>_sessions</c>: a request that arrives in between would make
    /// a new entry, lock it at once, and must not find the row, or it would write into the file being committed.
    /// If the row cannot be deleted the ended entry stays, refusing every request, until expiry retries.
    /// </remarks>
    private async Task EndAsync(string id, Session session)
    {
        session.Ended = true;
        await index.DeleteUploadAsync(id);
        _sessions.TryRemove(new KeyValuePair<string, Session>(id, session));
        _counts.Close(id);
    }

    /// <summary>Ends the session and deletes its bytes: row first, then file.</summary>
    private async Task ForgetAsync(string id, Session session)
    {
        await EndAsync(id, session);
        Close(session);
        await store.DeleteUploadAsync(id);
    }

    private sealed class Session
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public BlobWriter? Writer { get; set; }

        /// <summary>Set under <see cref="Gate"/> when the session's row is deleted; an ended session never comes back.</summary>
        public bool Ended { get; set; }
    }
}
