using OciCache.Oci;

namespace OciCache.Storage.Postgres;

internal sealed partial class PostgresMetadataIndex
{
    public async ValueTask<bool> ExistsAsync(Repository repository, CancellationToken cancellationToken = default) =>
        await AnyAsync(cancellationToken, "SELECT 1 FROM repositories WHERE name = @name", ("name", repository.Name));

    public Task<IReadOnlyList<string>> ListAsync(int limit, string? after, CancellationToken cancellationToken = default) =>
        RowsAsync(cancellationToken, r => r.GetString(0),
            "SELECT name FROM repositories WHERE name > @after ORDER BY name LIMIT @limit", ("after", after ?? ""), ("limit", limit));

    public async ValueTask<BlobRecord?> GetBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, ReadBlob,
            "SELECT digest, size, created_at, last_access FROM blobs WHERE digest = @digest", ("digest", digest.ToString())))
        .SingleOrDefault();

    public async ValueTask<long?> GetLinkedBlobSizeAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, r => (long?)r.GetInt64(0), """
            SELECT b.size FROM blobs b
            JOIN repository_blobs rb ON rb.digest = b.digest
            JOIN repositories r ON r.id = rb.repository_id
            WHERE r.name = @name AND b.digest = @digest
            """, ("name", repository.Name), ("digest", digest.ToString())))
        .SingleOrDefault();

    /// <remarks>
    /// The upsert locks the blob's row (or inserts it), so a <see cref="RemoveBlobAsync"/> at the same time
    /// comes wholly before (the row is inserted again) or after (the link goes with it).
    /// </remarks>
    public Task AddBlobAsync(Repository repository, Digest digest, long size) => WriteAsync(async (c, t) =>
    {
        var id = await EnsureRepositoryAsync(c, t, repository);
        var now = Now;
        await ExecuteAsync(c, t, """
            INSERT INTO blobs (digest, size, created_at, last_access) VALUES (@digest, @size, @now, @now)
                ON CONFLICT (digest) DO UPDATE SET last_access = excluded.last_access
            """, ("digest", digest.ToString()), ("size", size), ("now", now));
        await ExecuteAsync(c, t,
            "INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES (@id, @digest, @now) ON CONFLICT DO NOTHING",
            ("id", id), ("digest", digest.ToString()), ("now", now));
    });

    /// <remarks>The blob's row is share-locked before the link is written, so it cannot be removed in between.</remarks>
    public Task<bool> LinkBlobAsync(Repository repository, Digest digest) => WriteAsync(async (c, t) =>
    {
        if (await ScalarAsync(c, t, "SELECT 1 FROM blobs WHERE digest = @digest FOR KEY SHARE", ("digest", digest.ToString())) is null)
        {
            return false;
        }

        var id = await EnsureRepositoryAsync(c, t, repository);
        await ExecuteAsync(c, t,
            "INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES (@id, @digest, @now) ON CONFLICT DO NOTHING",
            ("id", id), ("digest", digest.ToString()), ("now", Now));
        return true;
    });

    /// <remarks>
    /// The link is locked first (<c>FOR UPDATE</c>), and only then, in a statement of its own (so under READ
    /// COMMITTED it sees everything committed before the lock was granted), are the repository's manifests
    /// asked whether they reference the blob. A manifest write that relies on the link
    /// (<see cref="PutManifestAsync"/> with <c>linkedBlobs</c>) locks the same row: whichever comes second sees
    /// the other's outcome, as under SQLite's single writer.
    /// </remarks>
    public Task<BlobUnlink> UnlinkBlobAsync(Repository repository, Digest digest) => WriteAsync(async (c, t) =>
    {
        var id = await ScalarAsync(c, t, """
            SELECT rb.repository_id FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
            WHERE r.name = @name AND rb.digest = @digest
            FOR UPDATE OF rb
            """, ("name", repository.Name), ("digest", digest.ToString()));
        if (id is null)
        {
            return BlobUnlink.NotLinked;
        }

        if (await ScalarAsync(c, t, "SELECT 1 FROM manifest_references WHERE repository_id = @id AND target = @digest LIMIT 1",
                ("id", id), ("digest", digest.ToString())) is not null)
        {
            return BlobUnlink.Referenced;
        }

        await ExecuteAsync(c, t, "DELETE FROM repository_blobs WHERE repository_id = @id AND digest = @digest", ("id", id), ("digest", digest.ToString()));
        return BlobUnlink.Unlinked;
    });

    public async ValueTask<bool> IsReferencedByAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        await AnyAsync(cancellationToken, """
            SELECT 1 FROM manifest_references mr JOIN repositories r ON r.id = mr.repository_id
            WHERE r.name = @name AND mr.target = @digest LIMIT 1
            """, ("name", repository.Name), ("digest", digest.ToString()));

    public async ValueTask<bool> IsLinkedFromUpstreamAsync(string upstream, Digest digest, CancellationToken cancellationToken = default) =>
        await AnyAsync(cancellationToken, """
            SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
            WHERE rb.digest = @digest AND r.upstream = @upstream LIMIT 1
            """, ("upstream", upstream), ("digest", digest.ToString()));

    /// <remarks>
    /// Cascades remove links and manifests stored under this digest; references to it from other manifests
    /// stay, so those manifests report the blob missing rather than vanishing silently.
    /// </remarks>
    public Task RemoveBlobAsync(Digest digest) => WriteAsync((c, t) =>
        ExecuteAsync(c, t, "DELETE FROM blobs WHERE digest = @digest", ("digest", digest.ToString())));

    public IAsyncEnumerable<BlobRecord> EnumerateBlobsAsync(CancellationToken cancellationToken = default) =>
        database.StreamAsync(ReadBlob, cancellationToken, "SELECT digest, size, created_at, last_access FROM blobs ORDER BY digest");
    /// <remarks>
    /// Two statements (the local repositories, then the sum), each its own snapshot: a repository created
    /// between them is measured at the next check. The patterns are decided in .NET, as on SQLite.
    /// </remarks>
    public async Task<QuotaUsage> MeasureAsync(
        IReadOnlyList<RepositoryPattern> repositories, IReadOnlyCollection<Digest> candidates, CancellationToken cancellationToken = default)
    {
        var local = await RowsAsync(cancellationToken, r => (Id: r.GetInt64(0), Name: r.GetString(1)),
            "SELECT id, name FROM repositories WHERE upstream IS NULL");
        var ids = local.Where(r => QuotaUsage.Covers(repositories, r.Name)).Select(r => r.Id).ToArray();
        if (ids.Length == 0)
        {
            return QuotaUsage.Empty;
        }

        var rows = await RowsAsync(cancellationToken, r => (Digest: OptionalString(r, 0), Bytes: r.GetInt64(1)), """
            WITH held AS (
                SELECT digest FROM repository_blobs WHERE repository_id = ANY(@ids)
                UNION
                SELECT digest FROM manifests WHERE repository_id = ANY(@ids))
            SELECT NULL::text, COALESCE(SUM(b.size), 0)::bigint FROM held JOIN blobs b ON b.digest = held.digest
            UNION ALL
            SELECT digest, 0::bigint FROM held WHERE digest = ANY(@candidates)
            """, ("ids", ids), ("candidates", candidates.Select(d => d.ToString()).ToArray()));
        var bytes = rows.Where(r => r.Digest is null).Sum(r => r.Bytes);
        return new QuotaUsage(bytes, rows.Where(r => r.Digest is not null).Select(r => Digest.Parse(r.Digest!)).ToHashSet());
    }
}
