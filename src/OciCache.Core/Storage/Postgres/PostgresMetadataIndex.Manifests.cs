using Npgsql;
using OciCache.Oci;

namespace OciCache.Storage.Postgres;

internal sealed partial class PostgresMetadataIndex
{
    private const string ManifestColumns = "m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, m.created_at";

    public async ValueTask<ManifestRecord?> GetManifestAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, ReadManifest, $"""
            SELECT {ManifestColumns} FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = @name AND m.digest = @digest
            """, ("name", repository.Name), ("digest", digest.ToString())))
        .SingleOrDefault();

    public async ValueTask<TagRecord?> GetTagAsync(Repository repository, string tag, CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, r => new TagRecord(tag, Digest.Parse(r.GetString(0)), Time(r, 1), Time(r, 2)), """
            SELECT t.digest, t.updated_at, t.checked_at FROM tags t JOIN repositories r ON r.id = t.repository_id
            WHERE r.name = @name AND t.name = @tag
            """, ("name", repository.Name), ("tag", tag)))
        .SingleOrDefault();

    public Task<ManifestPut> PutManifestAsync(
        Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null, bool keepTag = false) =>
        WriteAsync(async (c, t) =>
        {
            if (linkedBlobs is { Count: > 0 })
            {
                // Nothing is written for a refused push, not even its repository.
                if (await RepositoryIdAsync(c, t, repository) is not { } existing)
                {
                    return new ManifestPut(linkedBlobs.First(), null);
                }

                if (await FirstUnlinkedAsync(c, t, existing, linkedBlobs) is { } unlinked)
                {
                    return new ManifestPut(unlinked, null);
                }
            }

            var id = await EnsureRepositoryAsync(c, t, repository);
            if (keepTag && tag is not null && await LockedTagAsync(c, t, id, tag) is { } held && held != manifest.Digest)
            {
                return new ManifestPut(null, held);
            }

            await PutManifestAsync(c, t, id, manifest, references, tag);
            return ManifestPut.Written;
        });

    /// <summary>
    /// The digest a kept tag names, read under a transaction-level advisory lock of that tag (keyed by a hash
    /// of repository id and tag): a second push racing to set the same kept tag, on any replica, waits until
    /// the first commits and then reads what it wrote. A row lock would not do: a tag pushed for the first
    /// time has no row to lock yet. Only kept tags take the lock; other tag writes never wait on it.
    /// </summary>
    private static async Task<Digest?> LockedTagAsync(NpgsqlConnection c, NpgsqlTransaction t, long repositoryId, string tag)
    {
        await ExecuteAsync(c, t, "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", ("key", $"ocicache:kept-tag:{repositoryId}:{tag}"));
        return await ScalarAsync(c, t, "SELECT digest FROM tags WHERE repository_id = @id AND name = @tag",
            ("id", repositoryId), ("tag", tag)) is string digest ? Digest.Parse(digest) : null;
    }

    /// <summary>
    /// Checked in the manifest's own transaction, on rows it locks: the links the manifest relies on are
    /// updated (their orphan stamp cleared, which is also true now that a manifest needs them), so an unlink
    /// (<see cref="UnlinkBlobAsync"/>) or a garbage collection delete (<see cref="DeleteOrphanedLinksAsync"/>)
    /// at the same time either came first (the link is gone: the push is refused) or waits for this
    /// transaction and then sees the reference or the cleared stamp. Locked in digest order, so two pushes
    /// sharing blobs cannot deadlock.
    /// </summary>
    private static async Task<Digest?> FirstUnlinkedAsync(NpgsqlConnection c, NpgsqlTransaction t, long repositoryId, IReadOnlyCollection<Digest> blobs)
    {
        var wanted = blobs.Select(b => b.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var locked = await PostgresDatabase.ReadAllAsync(c, t, r => r.GetString(0), CancellationToken.None, """
            WITH locked AS (
                SELECT digest FROM repository_blobs WHERE repository_id = @id AND digest = ANY(@digests) ORDER BY digest FOR UPDATE)
            UPDATE repository_blobs rb SET orphaned_at = NULL FROM locked
            WHERE rb.repository_id = @id AND rb.digest = locked.digest
            RETURNING rb.digest
            """, ("id", repositoryId), ("digests", wanted));
        var linked = locked.ToHashSet(StringComparer.Ordinal);
        foreach (var blob in blobs)
        {
            if (!linked.Contains(blob.ToString()))
            {
                return blob;
            }
        }

        return null;
    }

    private async Task PutManifestAsync(
        NpgsqlConnection c, NpgsqlTransaction t, long id, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag)
    {
        var digest = manifest.Digest.ToString();
        var now = Now;
        await ExecuteAsync(c, t, """
            INSERT INTO blobs (digest, size, created_at, last_access) VALUES (@digest, @size, @now, @now)
                ON CONFLICT (digest) DO UPDATE SET last_access = excluded.last_access
            """, ("digest", digest), ("size", manifest.Size), ("now", now));
        await ExecuteAsync(c, t, """
            INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, subject, annotations, created_at)
                VALUES (@id, @digest, @mediaType, @size, @artifactType, @subject, @annotations, @now)
                ON CONFLICT (repository_id, digest) DO UPDATE SET media_type = excluded.media_type
            """,
            ("id", id), ("digest", digest), ("size", manifest.Size), ("now", now),
            ("mediaType", manifest.MediaType), ("artifactType", manifest.ArtifactType),
            ("subject", manifest.Subject?.ToString()), ("annotations", manifest.AnnotationsJson));

        if (references.Count > 0)
        {
            await ExecuteAsync(c, t, """
                INSERT INTO manifest_references (repository_id, manifest, target)
                SELECT @id, @digest, target FROM unnest(@targets) AS target
                ON CONFLICT DO NOTHING
                """, ("id", id), ("digest", digest), ("targets", references.Select(r => r.ToString()).Distinct(StringComparer.Ordinal).ToArray()));
        }

        if (tag is not null)
        {
            await ExecuteAsync(c, t, """
                INSERT INTO tags (repository_id, name, digest, updated_at, checked_at) VALUES (@id, @tag, @digest, @now, @now)
                ON CONFLICT (repository_id, name) DO UPDATE SET
                    updated_at = CASE WHEN tags.digest = excluded.digest THEN tags.updated_at ELSE excluded.updated_at END,
                    digest = excluded.digest,
                    checked_at = excluded.checked_at
                """, ("id", id), ("tag", tag), ("digest", digest), ("now", now));
        }
    }

    public Task MarkTagCheckedAsync(Repository repository, string tag, DateTimeOffset checkedAt) => WriteAsync((c, t) =>
        ExecuteAsync(c, t, """
            UPDATE tags SET checked_at = @at
            WHERE name = @tag AND repository_id = (SELECT id FROM repositories WHERE name = @name)
            """, ("at", PostgresDatabase.ToMillisecond(checkedAt)), ("tag", tag), ("name", repository.Name)));

    public Task<bool> DeleteManifestAsync(Repository repository, Digest digest) => WriteAsync(async (c, t) =>
        await ExecuteAsync(c, t, """
            DELETE FROM manifests
            WHERE digest = @digest AND repository_id = (SELECT id FROM repositories WHERE name = @name)
            """, ("digest", digest.ToString()), ("name", repository.Name)) > 0);

    public Task<bool> DeleteTagAsync(Repository repository, string tag) => WriteAsync(async (c, t) =>
        await ExecuteAsync(c, t,
            "DELETE FROM tags WHERE name = @tag AND repository_id = (SELECT id FROM repositories WHERE name = @name)",
            ("tag", tag), ("name", repository.Name)) > 0);

    /// <remarks>One statement: the repository's existence and the page come from one snapshot.</remarks>
    public async Task<IReadOnlyList<string>?> ListTagsAsync(Repository repository, int limit, string? after, CancellationToken cancellationToken = default)
    {
        var rows = await RowsAsync(cancellationToken, r => OptionalString(r, 0), """
            SELECT NULL FROM repositories WHERE name = @name
            UNION ALL
            (SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
             WHERE r.name = @name AND t.name > @after ORDER BY t.name LIMIT @limit)
            """, ("name", repository.Name), ("after", after ?? ""), ("limit", limit));
        return rows.Count == 0 ? null : rows.OfType<string>().ToList();
    }

    /// <remarks>
    /// In digest order, so that the page cursor (<c>last</c>) is a digest and the subject index yields rows in
    /// order. Annotations longer than the descriptor cut (only in rows from before it) are not read into .NET.
    /// </remarks>
    public IAsyncEnumerable<ManifestRecord> ListReferrersAsync(
        Repository repository, Digest subject, string? artifactType, Digest? after, CancellationToken cancellationToken = default) =>
        database.StreamAsync(ReadManifest, cancellationToken, """
            SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject,
                CASE WHEN length(m.annotations) <= @maxAnnotations THEN m.annotations END, m.created_at
            FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = @name AND m.subject = @subject AND m.digest > @after AND (@type::text IS NULL OR m.artifact_type = @type::text)
            ORDER BY m.digest
            """, ("name", repository.Name), ("subject", subject.ToString()), ("after", after?.ToString() ?? ""), ("type", artifactType),
            ("maxAnnotations", AnnotationLimits.MaxDescriptorBytes));

    private static ManifestRecord ReadManifest(NpgsqlDataReader reader) =>
        new(Digest.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2))
        {
            ArtifactType = OptionalString(reader, 3),
            Subject = OptionalDigest(reader, 4),
            AnnotationsJson = OptionalString(reader, 5),
            CreatedAt = Time(reader, 6),
        };
}
