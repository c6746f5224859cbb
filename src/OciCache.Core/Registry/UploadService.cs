using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// Blob pushes: monolithic, single-POST and chunked upload sessions, and cross-repository mounts.
/// A session's bytes are in <c>uploads/&lt;id&gt;</c> and its offset in SQLite, so it survives a restart;
/// the hash state is kept in memory between requests and rebuilt from the file after a restart.
/// </summary>
/// <remarks>
/// Every request that changes a session (PATCH, PUT, DELETE, expiry) holds the session's lock and looks
/// the session up again once it has it: a request that queued behind the PUT or DELETE that ended the
/// session is refused as unknown, never written into a file that is gone. Only <see cref="Start"/>
/// creates a session's file, so no request can bring one back without its row.
/// </remarks>
public sealed partial class UploadService(
    IUploadIndex index, IBlobIndex blobs, IBlobStore store, ContentPublisher publisher, QuotaGuard quotas, TimeProvider time, UploadOptions options)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new();
    private readonly SessionCounts _counts = new(options);

    /// <summary>
    /// Opens a session for <paramref name="client"/> (its source address), or refuses with 429 when the
    /// client or the registry holds as many open sessions as <see cref="UploadOptions"/> allow.
    /// </summary>
    public async Task<string> StartAsync(Repository repository, string client)
    {
        var id = Guid.NewGuid().ToString("N");
        if (!await _counts.TryOpenAsync(id, client, index) &&
            (await ExpireOlderThanAsync(time.GetUtcNow() - options.IdleExpiry) == 0 || !await _counts.TryOpenAsync(id, client, index)))
        {
            throw new FailureException(new TooManyRequests("too many open upload sessions",
                $"at most {options.MaxSessionsPerClient} per client and {options.MaxSessions} in all; finish or cancel one first"));
        }

        try
        {
            return await CreateAsync(repository, id);
        }
        catch
        {
            _counts.Close(id);
            throw;
        }
    }

    private async Task<string> CreateAsync(Repository repository, string id)
    {
        var now = time.GetUtcNow();
        try
        {
            await store.CreateUploadAsync(id);
        }
        catch (IOException e) when (StorageErrors.IsDiskFull(e))
        {
            throw new FailureException(new StorageFull($"no space left for upload {id}"));
        }

        try
        {
            await index.CreateUploadAsync(new UploadRecord(id, repository.Name, 0, now, now));
        }
        catch
        {
            // The row only ever follows its file; a row that could not be written (a full database)
            // takes the file with it, or the file would be an upload without a session.
            await store.DeleteUploadAsync(id);
            throw;
        }

        return id;
    }

    /// <summary>
    /// The bytes the session holds for good: its recorded size. A chunk still arriving is not counted (its
    /// bytes are in the file but are cut back if it fails), so a client resumes from what was acknowledged.
    /// </summary>
    public async Task<long> GetSizeAsync(Repository repository, string id, CancellationToken cancellationToken) =>
        (await FindAsync(repository, id, cancellationToken)).Size;

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
                throw new FailureException(new RangeInvalid("chunk out of order",
                    $"expected a chunk starting at {writer.Length}, got {claimed.Start}", writer.Length));
            }

            return await AppendLockedAsync(session, writer, id, chunk, range?.Length, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Appends the final chunk (if any), verifies the digest and publishes the blob. A blob that would take a
    /// quota over its limit (<see cref="QuotaGuard"/>) ends the session with its bytes discarded, and is refused.
    /// </summary>
    public Task<long> CompleteAsync(Repository repository, string id, Digest digest, Stream? finalChunk, CancellationToken cancellationToken) =>
        WithSessionAsync(repository, id, async (session, writer) =>
        {
            if (finalChunk is not null)
            {
                await AppendLockedAsync(session, writer, id, finalChunk, null, cancellationToken);
            }

            var size = writer.Length;
            QuotaAdmission admission;
            try
            {
                admission = await quotas.AdmitAsync(repository, [(digest, size)], cancellationToken);
            }
            catch (FailureException)
            {
                await ForgetAsync(id, session);
                throw;
            }

            using (admission)
            {
                // Committed, refused or failed: the session is over either way. Its row goes first, then the
                // commit moves its file into blobs/ (or deletes it), so a crash between leaves no row without a file.
                await EndAsync(id, session);
                BlobCommitResult result;
                try
                {
                    result = await publisher.PublishBlobAsync(writer, digest, null, [repository], cancellationToken);
                }
                finally
                {
                    Close(session);
                }

                if (result != BlobCommitResult.Committed)
                {
                    await store.DeleteUploadAsync(id); // an object store keeps the session's chunks until told
                    throw new FailureException(new DigestInvalid($"uploaded content does not hash to {digest}"));
                }

                admission.Written();
            }

            return size;
        }, cancellationToken);

    /// <summary>Ends a session (DELETE): it waits for a chunk being written, then the row goes, then the file.</summary>
    public Task CancelAsync(Repository repository, string id, CancellationToken cancellationToken) =>
        WithLockedSessionAsync(repository, id, async (session, _) =>
        {
            await ForgetAsync(id, session);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Abandons sessions untouched since <paramref name="cutoff"/>: their rows and bytes go. A session that
    /// is receiving a chunk right now is left for the next round.
    /// </summary>
    public async Task<int> ExpireOlderThanAsync(DateTimeOffset cutoff)
    {
        var expired = 0;
        var uploads = await index.ListUploadsAsync();
        await ForgetEndedElsewhereAsync(uploads.Select(u => u.Id).ToHashSet());
        foreach (var upload in uploads.Where(u => u.UpdatedAt < cutoff))
        {
            var session = _sessions.GetOrAdd(upload.Id, static _ => new Session());
            if (!session.Gate.Wait(0))
            {
                continue;
            }

            try
            {
                // Looked up again under the lock: a chunk may have touched it, or a PUT ended it, since the listing.
                // (An ended session whose row is still there is one whose row could not be deleted: retried here.)
                if (await index.GetUploadAsync(upload.Id) is not { } current || current.UpdatedAt >= cutoff)
                {
                    continue;
                }

                await ForgetAsync(upload.Id, session);
                expired++;
            }
            finally
            {
                session.Gate.Release();
            }
        }

        return expired;
    }

    /// <summary>
    /// Drops this instance's state of sessions whose rows are gone: another replica completed or cancelled
    /// them, and the writer kept here (a local spool with the session's bytes) would stay until a restart.
    /// A session busy with a request is left for the next round.
    /// </summary>
    private async Task ForgetEndedElsewhereAsync(HashSet<string> live)
    {
        foreach (var (id, session) in _sessions)
        {
            if (live.Contains(id) || !session.Gate.Wait(0))
            {
                continue;
            }

            try
            {
                if (!session.Ended && await index.GetUploadAsync(id) is null)
                {
                    session.Ended = true;
                    Close(session);
                    _sessions.TryRemove(new KeyValuePair<string, Session>(id, session));
                    _counts.Close(id);
                }
            }
            finally
            {
                session.Gate.Release();
            }
        }
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
            throw new FailureException(new StorageFull($"no space left for blob {digest}"));
        }

        var size = writer.Length;
        using var admission = await quotas.AdmitAsync(repository, [(digest, size)], cancellationToken); // refused: the writer's temp file goes with it
        if (await publisher.PublishBlobAsync(writer, digest, null, [repository], cancellationToken) != BlobCommitResult.Committed)
        {
            throw new FailureException(new DigestInvalid($"uploaded content does not hash to {digest}"));
        }

        admission.Written();
        return size;
    }

    /// <summary>
    /// Links a blob that the local repository <paramref name="from"/> links. The caller chose the source
    /// (a local repository, never a mirror: see <c>UploadHandlers</c>). False means "start an upload instead".
    /// </summary>
    /// <exception cref="FailureException"><see cref="Denied"/> when the blob would take a quota of <paramref name="repository"/> over its limit.</exception>
    public async Task<bool> TryMountAsync(Repository repository, Digest digest, Repository from, CancellationToken cancellationToken = default)
    {
        if (from.IsMirror)
        {
            throw new ArgumentException("a mirror repository is no mount source", nameof(from));
        }

        if (await blobs.GetLinkedBlobSizeAsync(from, digest, cancellationToken) is not { } size || await store.GetLengthAsync(digest) is null)
        {
            return false;
        }

        using var admission = await quotas.AdmitAsync(repository, [(digest, size)], cancellationToken);
        if (!await blobs.LinkBlobAsync(repository, digest))
        {
            return false;
        }

        admission.Written();
        return true;
    }

    /// <summary>The <c>Range</c> header value for a session holding <paramref name="size"/> bytes.</summary>
    public static string RangeHeader(long size) => $"0-{Math.Max(0, size - 1)}";
}
