using Npgsql;
using OciCache.Oci;

namespace OciCache.Storage.Postgres;

/// <summary>Queries of the cache lifecycle: budget, LRU eviction, garbage collection of local content.</summary>
internal sealed partial class PostgresMetadataIndex
{
    /// <summary>A blob (alias <c>b</c>) that a local repository needs: linked, a local manifest, or referenced by one.</summary>
    private const string LocallyNeeded = """
        (EXISTS (SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id WHERE rb.digest = b.digest AND r.upstream IS NULL)
         OR EXISTS (SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE m.digest = b.digest AND r.upstream IS NULL)
         OR EXISTS (SELECT 1 FROM manifest_references mr JOIN repositories r ON r.id = mr.repository_id WHERE mr.target = b.digest AND r.upstream IS NULL))
        """;

    /// <summary>A blob (alias <c>b</c>) that some kept manifest needs: it is one, or one references it.</summary>
    private const string ManifestNeeded = """
        (EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.target = b.digest)
         OR EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest))
        """;

    /// <summary>A link (alias <c>repository_blobs</c>) that a manifest of its repository needs.</summary>
    private const string LinkNeeded = """
        (EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = repository_blobs.repository_id AND mr.target = repository_blobs.digest)
         OR EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = repository_blobs.repository_id AND m.digest = repository_blobs.digest))
        """;

    public async Task<long> GetCachedBytesAsync(CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, r => r.GetInt64(0),
            $"SELECT COALESCE(SUM(b.size), 0)::bigint FROM blobs b WHERE NOT {LocallyNeeded}"))[0];

    /// <remarks>
    /// One transaction; an access never moves a time back (another replica may have written a later one).
    /// Rows are updated in digest order, so replicas touching overlapping blobs at once cannot deadlock.
    /// </remarks>
    public Task TouchBlobsAsync(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses)
    {
        if (accesses.Count == 0)
        {
            return Task.CompletedTask;
        }

        var latest = accesses
            .GroupBy(a => a.Key.ToString(), StringComparer.Ordinal)
            .Select(g => (Digest: g.Key, At: PostgresDatabase.ToMillisecond(g.Max(a => a.Value))))
            .OrderBy(a => a.Digest, StringComparer.Ordinal)
            .ToArray();
        return WriteAsync((c, t) => ExecuteAsync(c, t, """
            WITH touched AS (SELECT * FROM unnest(@digests, @ats) AS v(digest, at)),
                 locked AS (SELECT b.digest FROM blobs b JOIN touched v ON v.digest = b.digest ORDER BY b.digest FOR UPDATE OF b)
            UPDATE blobs b SET last_access = greatest(b.last_access, v.at)
            FROM touched v JOIN locked l ON l.digest = v.digest
            WHERE b.digest = v.digest
            """, ("digests", latest.Select(a => a.Digest).ToArray()), ("ats", latest.Select(a => a.At).ToArray())));
    }

    public async Task<IReadOnlyList<EvictionCandidate>> ListEvictionCandidatesAsync(bool includeLocal, CancellationToken cancellationToken = default)
    {
        var keepLocal = includeLocal ? "" : $"AND NOT {LocallyNeeded}";
        var candidates = (await RowsAsync(cancellationToken,
            r => new EvictionCandidate(Digest.Parse(r.GetString(2)), Time(r, 3), r.GetInt64(4))
            {
                Repository = r.IsDBNull(0) ? null : Repository.FromStored(r.GetString(0), OptionalString(r, 1)),
                Tags = r.IsDBNull(5) ? [] : r.GetFieldValue<string[]>(5),
            },
            $"""
            SELECT r.name, r.upstream, m.digest, b.last_access, b.size,
                   (SELECT array_agg(t.name ORDER BY t.name) FROM tags t WHERE t.repository_id = m.repository_id AND t.digest = m.digest)
            FROM manifests m
            JOIN repositories r ON r.id = m.repository_id
            JOIN blobs b ON b.digest = m.digest
            WHERE (r.upstream IS NOT NULL OR @local)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = m.repository_id AND mr.target = m.digest)
            UNION ALL
            SELECT NULL, NULL, b.digest, b.last_access, b.size, NULL
            FROM blobs b WHERE NOT {ManifestNeeded} {keepLocal}
            """, ("local", includeLocal))).ToList();

        candidates.Sort((a, b) => a.LastAccess.CompareTo(b.LastAccess));
        return candidates;
    }

    /// <remarks>
    /// One transaction: the root's references are read and its row deleted (tags and references cascade), then
    /// each child is taken when nothing else of the repository holds it (no reference, no tag), and so on down.
    /// </remarks>
    public Task<IReadOnlyList<Digest>> DeleteManifestTreeAsync(Repository repository, Digest root) => WriteAsync<IReadOnlyList<Digest>>(async (c, t) =>
    {
        if (await RepositoryIdAsync(c, t, repository) is not { } repositoryId)
        {
            return [];
        }

        var touched = new HashSet<Digest>();
        var pending = new Stack<Digest>([root]);
        while (pending.TryPop(out var digest))
        {
            var targets = await PostgresDatabase.ReadAllAsync(c, t, r => Digest.Parse(r.GetString(0)), CancellationToken.None,
                "DELETE FROM manifest_references WHERE repository_id = @id AND manifest = @digest RETURNING target",
                ("id", repositoryId), ("digest", digest.ToString()));
            await ExecuteAsync(c, t, "DELETE FROM manifests WHERE repository_id = @id AND digest = @digest", // its tags go with it
                ("id", repositoryId), ("digest", digest.ToString()));

            touched.Add(digest);
            foreach (var target in targets)
            {
                touched.Add(target);
                if (await IsUnreferencedUntaggedManifestAsync(c, t, repositoryId, target))
                {
                    pending.Push(target); // a child of an index nothing else holds on to
                }
            }
        }

        return [.. touched];
    });

    private static async Task<bool> IsUnreferencedUntaggedManifestAsync(NpgsqlConnection c, NpgsqlTransaction t, long repositoryId, Digest digest) =>
        await ScalarAsync(c, t, """
            SELECT 1 FROM manifests m WHERE m.repository_id = @id AND m.digest = @digest
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = @id AND mr.target = @digest)
              AND NOT EXISTS (SELECT 1 FROM tags WHERE repository_id = @id AND digest = @digest)
            """, ("id", repositoryId), ("digest", digest.ToString())) is not null;

    public Task<IReadOnlyList<BlobRecord>> ListUnneededBlobsAsync(
        IReadOnlyCollection<Digest>? among, UnneededScope scope, CancellationToken cancellationToken = default)
    {
        var keep = scope switch
        {
            UnneededScope.KeepLinked => "AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)",
            UnneededScope.KeepLocal => $"AND NOT {LocallyNeeded}",
            _ => "",
        };
        var filter = among is null ? "" : "AND b.digest = ANY(@among)";
        return RowsAsync(cancellationToken, ReadBlob,
            $"SELECT b.digest, b.size, b.created_at, b.last_access FROM blobs b WHERE NOT {ManifestNeeded} {keep} {filter}",
            among is null ? [] : [("among", among.Select(d => d.ToString()).ToArray())]);
    }

    public Task MarkOrphanedLinksAsync(DateTimeOffset now) => WriteAsync(async (c, t) =>
    {
        await ExecuteAsync(c, t, $"UPDATE repository_blobs SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL AND {LinkNeeded}");
        await ExecuteAsync(c, t, $"""
            UPDATE repository_blobs SET orphaned_at = @now
            WHERE orphaned_at IS NULL
              AND repository_id IN (SELECT id FROM repositories WHERE upstream IS NULL)
              AND NOT {LinkNeeded}
            """, ("now", PostgresDatabase.ToMillisecond(now)));
    });

    /// <remarks>
    /// A link a manifest needs again is kept even when its stamp is old: a push that relied on it since the
    /// last <see cref="MarkOrphanedLinksAsync"/> cleared the stamp in its own transaction, and this re-check
    /// covers one that committed while this statement ran.
    /// </remarks>
    public Task<int> DeleteOrphanedLinksAsync(DateTimeOffset before) => WriteAsync((c, t) =>
        ExecuteAsync(c, t, $"DELETE FROM repository_blobs WHERE orphaned_at IS NOT NULL AND orphaned_at < @before AND NOT {LinkNeeded}",
            ("before", PostgresDatabase.ToMillisecond(before))));
}
