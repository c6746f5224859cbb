using OciCache.Oci;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IConsoleQueries"/> over the PostgreSQL metadata tables (migrations 1 and 2), the questions and
/// answers of <see cref="SqliteConsoleQueries"/>. Each query is one statement on a pooled connection, bounded by
/// a limit; none writes. Image sizes walk <c>manifest_references</c> recursively within the repository.
/// Sums are cast back to <c>bigint</c> (PostgreSQL sums a <c>bigint</c> column as <c>numeric</c>).
/// </summary>
internal sealed class PostgresConsoleQueries(PostgresDatabase database) : IConsoleQueries
{
    public Task<IReadOnlyList<RepositoryRow>> ListRepositoriesAsync(string? query, string? after, int limit, CancellationToken cancellationToken) =>
        Repositories(query, after, null, limit, cancellationToken);

    public async Task<RepositoryRow?> FindRepositoryAsync(string name, CancellationToken cancellationToken) =>
        (await Repositories(null, null, name, 1, cancellationToken)).FirstOrDefault();

    private Task<IReadOnlyList<RepositoryRow>> Repositories(string? query, string? after, string? exact, int limit, CancellationToken cancellationToken) =>
        database.ReadAllAsync(
            r => new RepositoryRow(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), (int)r.GetInt64(2), r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)),
            cancellationToken,
            """
            SELECT r.name, r.upstream,
                   (SELECT count(*) FROM tags t WHERE t.repository_id = r.id),
                   (SELECT coalesce(sum(b.size), 0)::bigint FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest WHERE rb.repository_id = r.id),
                   (SELECT max(t.updated_at) FROM tags t WHERE t.repository_id = r.id)
            FROM repositories r
            WHERE r.name > @after AND (@q = '' OR strpos(lower(r.name), lower(@q)) > 0) AND (@exact = '' OR r.name = @exact)
            ORDER BY r.name LIMIT @limit
            """,
            ("after", after ?? ""), ("q", query ?? ""), ("exact", exact ?? ""), ("limit", limit));

    public Task<IReadOnlyList<TagRow>> ListTagsAsync(string repository, int limit, CancellationToken cancellationToken) =>
        database.ReadAllAsync(
            r => new TagRow(r.GetString(0), Digest.Parse(r.GetString(1)), r.GetString(2), r.GetInt64(3), r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? 0 : r.GetInt64(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.GetInt64(7)),
            cancellationToken,
            """
            SELECT t.name, t.digest, m.media_type, m.size, t.updated_at, p.count, p.last_pulled_at,
                   (WITH RECURSIVE tree(d) AS (SELECT t.digest UNION SELECT mr.target FROM manifest_references mr JOIN tree ON mr.manifest = tree.d
                                               WHERE mr.repository_id = r.id)
                    SELECT coalesce(sum(b.size), 0)::bigint FROM tree JOIN blobs b ON b.digest = tree.d)
            FROM tags t JOIN repositories r ON r.id = t.repository_id
            JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.digest
            LEFT JOIN pulls p ON p.repository = r.name AND p.digest = t.digest
            WHERE r.name = @name ORDER BY t.name LIMIT @limit
            """,
            ("name", repository), ("limit", limit));

    public Task<IReadOnlyList<ReferrerRow>> ListReferrersAsync(string repository, Digest subject, CancellationToken cancellationToken) =>
        database.ReadAllAsync(
            r => new ReferrerRow(Digest.Parse(r.GetString(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)),
            cancellationToken,
            """
            SELECT m.digest, m.media_type, m.artifact_type FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = @name AND m.subject = @subject ORDER BY m.digest LIMIT 100
            """,
            ("name", repository), ("subject", subject.ToString()));

    public Task<IReadOnlyList<ImageSizeRow>> LargestImagesAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAllAsync(
            r => new ImageSizeRow(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), Digest.Parse(r.GetString(2)), r.GetInt64(3),
                r.IsDBNull(4) ? [] : r.GetFieldValue<string[]>(4)),
            cancellationToken,
            """
            WITH RECURSIVE tree(rid, root, d) AS (
                SELECT DISTINCT t.repository_id, t.digest, t.digest FROM tags t
                UNION
                SELECT tree.rid, tree.root, mr.target FROM manifest_references mr JOIN tree ON mr.repository_id = tree.rid AND mr.manifest = tree.d)
            SELECT r.name, r.upstream, tree.root, sum(b.size)::bigint AS bytes,
                   (SELECT array_agg(t.name ORDER BY t.name) FROM tags t WHERE t.repository_id = tree.rid AND t.digest = tree.root)
            FROM tree JOIN blobs b ON b.digest = tree.d JOIN repositories r ON r.id = tree.rid
            GROUP BY tree.rid, tree.root, r.name, r.upstream ORDER BY bytes DESC, r.name, tree.root LIMIT @limit
            """,
            ("limit", limit));

    public async Task<long> FreedBytesAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(r => r.GetInt64(0), cancellationToken,
            """
            WITH RECURSIVE tree(d) AS (
                SELECT @digest::text COLLATE "C"
                UNION
                SELECT mr.target FROM manifest_references mr JOIN tree ON mr.manifest = tree.d
                WHERE mr.repository_id = (SELECT id FROM repositories WHERE name = @name))
            SELECT coalesce(sum(b.size), 0)::bigint FROM tree JOIN blobs b ON b.digest = tree.d
            WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                              WHERE rb.digest = tree.d AND r.name <> @name)
              AND NOT EXISTS (SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id
                              WHERE m.digest = tree.d AND r.name <> @name)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr
                              WHERE mr.target = tree.d AND mr.manifest NOT IN (SELECT d FROM tree))
            """,
            ("name", repository), ("digest", digest.ToString())))[0];

    public async Task<StorageBreakdown> BreakdownAsync(CancellationToken cancellationToken)
    {
        var only = new Dictionary<string, long>(StringComparer.Ordinal);
        long shared = 0;
        long stored = 0;
        foreach (var (row, upstream, bytes) in await database.ReadAllAsync(r => (r.GetInt32(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2)),
            cancellationToken,
            """
            WITH holders(u, d) AS (
                SELECT coalesce(r.upstream, ''), rb.digest FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                UNION SELECT coalesce(r.upstream, ''), m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id),
            owners(d, u, n) AS (SELECT d, min(u), count(DISTINCT u) FROM holders GROUP BY d)
            SELECT 0, CASE WHEN o.n > 1 THEN NULL ELSE o.u END, sum(b.size)::bigint FROM owners o JOIN blobs b ON b.digest = o.d
            GROUP BY 2
            UNION ALL
            SELECT 1, NULL, coalesce(sum(size), 0)::bigint FROM blobs
            """))
        {
            switch (row, upstream)
            {
                case (1, _):
                    stored = bytes;
                    break;
                case (_, null):
                    shared = bytes;
                    break;
                default:
                    only[upstream] = bytes;
                    break;
            }
        }

        return new StorageBreakdown(stored, only, shared);
    }
}
