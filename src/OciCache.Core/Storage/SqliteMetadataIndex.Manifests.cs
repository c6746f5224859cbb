using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

public sealed partial class SqliteMetadataIndex
{
    private const string ManifestColumns = "m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, m.created_at";

    public ValueTask<ManifestRecord?> GetManifestAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command($"""
                SELECT {ManifestColumns} FROM manifests m JOIN repositories r ON r.id = m.repository_id
                WHERE r.name = $name AND m.digest = $digest
                """, ("$name", repository.Name), ("$digest", digest.ToString()));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadManifest(reader) : null;
        }));

    public ValueTask<TagRecord?> GetTagAsync(Repository repository, string tag, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("""
                SELECT t.digest, t.updated_at, t.checked_at FROM tags t JOIN repositories r ON r.id = t.repository_id
                WHERE r.name = $name AND t.name = $tag
                """, ("$name", repository.Name), ("$tag", tag));
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new TagRecord(tag, Digest.Parse(reader.GetString(0)), Time(reader.GetInt64(1)), Time(reader.GetInt64(2)))
                : null;
        }));

    public Task<ManifestPut> PutManifestAsync(
        Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null, bool keepTag = false) =>
        WriteAsync((c, t) =>
        {
            if (FirstUnlinked(c, t, repository.Name, linkedBlobs) is { } unlinked)
            {
                return new ManifestPut(unlinked, null);
            }

            // The one writer runs this transaction alone: no other push can move the tag between this read and the write.
            if (keepTag && tag is not null && TaggedDigest(c, t, repository.Name, tag) is { } held && held != manifest.Digest)
            {
                return new ManifestPut(null, held);
            }

            PutManifest(c, t, repository, manifest, references, tag);
            return ManifestPut.Written;
        });

    private static Digest? TaggedDigest(SqliteConnection c, SqliteTransaction t, string repository, string tag)
    {
        using var command = c.Command(t, """
            SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = $name AND t.name = $tag
            """, ("$name", repository), ("$tag", tag));
        return command.ExecuteScalar() is string digest ? Digest.Parse(digest) : null;
    }

    /// <summary>
    /// Checked in the manifest's own transaction: a blob DELETE is either before it (the push is refused) or
    /// after it (it sees the reference and is refused).
    /// </summary>
    private static Digest? FirstUnlinked(SqliteConnection c, SqliteTransaction t, string repository, IReadOnlyCollection<Digest>? blobs)
    {
        if (blobs is not { Count: > 0 })
        {
            return null;
        }

        using var linked = c.Command(t, """
            SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
            WHERE r.name = $name AND rb.digest = $digest
            """, ("$name", repository), ("$digest", ""));
        foreach (var blob in blobs)
        {
            linked.Parameters["$digest"].Value = blob.ToString();
            if (linked.ExecuteScalar() is null)
            {
                return blob;
            }
        }

        return null;
    }

    private void PutManifest(
        SqliteConnection c, SqliteTransaction t, Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag)
    {
        var id = EnsureRepository(c, t, repository);
        var digest = manifest.Digest.ToString();
        using (var insert = c.Command(t, """
            INSERT INTO blobs(digest, size, created_at, last_access) VALUES ($digest, $size, $now, $now)
                ON CONFLICT(digest) DO UPDATE SET last_access = $now;
            INSERT INTO manifests(repository_id, digest, media_type, size, artifact_type, subject, annotations, created_at)
                VALUES ($id, $digest, $mediaType, $size, $artifactType, $subject, $annotations, $now)
                ON CONFLICT DO UPDATE SET media_type = excluded.media_type;
            """,
            ("$id", id), ("$digest", digest), ("$size", manifest.Size), ("$now", Now),
            ("$mediaType", manifest.MediaType), ("$artifactType", manifest.ArtifactType),
            ("$subject", manifest.Subject?.ToString()), ("$annotations", manifest.AnnotationsJson)))
        {
            insert.ExecuteNonQuery();
        }

        using (var reference = c.Command(t,
            "INSERT INTO manifest_references(repository_id, manifest, target) VALUES ($id, $digest, $target) ON CONFLICT DO NOTHING",
            ("$id", id), ("$digest", digest), ("$target", "")))
        {
            foreach (var target in references)
            {
                reference.Parameters["$target"].Value = target.ToString();
                reference.ExecuteNonQuery();
            }
        }

        if (tag is not null)
        {
            using var upsert = c.Command(t, """
                INSERT INTO tags(repository_id, name, digest, updated_at, checked_at) VALUES ($id, $tag, $digest, $now, $now)
                ON CONFLICT(repository_id, name) DO UPDATE SET
                    updated_at = CASE WHEN digest = excluded.digest THEN updated_at ELSE excluded.updated_at END,
                    digest = excluded.digest,
                    checked_at = excluded.checked_at
                """, ("$id", id), ("$tag", tag), ("$digest", digest), ("$now", Now));
            upsert.ExecuteNonQuery();
        }
    }

    public Task MarkTagCheckedAsync(Repository repository, string tag, DateTimeOffset checkedAt) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, """
            UPDATE tags SET checked_at = $at
            WHERE name = $tag AND repository_id = (SELECT id FROM repositories WHERE name = $name)
            """, ("$at", checkedAt.ToUnixTimeMilliseconds()), ("$tag", tag), ("$name", repository.Name));
        command.ExecuteNonQuery();
    });

    public Task<bool> DeleteManifestAsync(Repository repository, Digest digest) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, """
            DELETE FROM manifests
            WHERE digest = $digest AND repository_id = (SELECT id FROM repositories WHERE name = $name)
            """, ("$digest", digest.ToString()), ("$name", repository.Name));
        return command.ExecuteNonQuery() > 0;
    });

    public Task<bool> DeleteTagAsync(Repository repository, string tag) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, """
            DELETE FROM tags WHERE name = $tag AND repository_id = (SELECT id FROM repositories WHERE name = $name)
            """, ("$tag", tag), ("$name", repository.Name));
        return command.ExecuteNonQuery() > 0;
    });

    public Task<IReadOnlyList<string>?> ListTagsAsync(Repository repository, int limit, string? after, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c =>
        {
            using (var exists = c.Command("SELECT 1 FROM repositories WHERE name = $name", ("$name", repository.Name)))
            {
                if (exists.ExecuteScalar() is null)
                {
                    return null;
                }
            }

            using var command = c.Command("""
                SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
                WHERE r.name = $name AND t.name > $after ORDER BY t.name LIMIT $limit
                """, ("$name", repository.Name), ("$after", after ?? ""), ("$limit", limit));
            using var reader = command.ExecuteReader();
            var tags = new List<string>();
            while (reader.Read())
            {
                tags.Add(reader.GetString(0));
            }

            return (IReadOnlyList<string>?)tags;
        }));

    /// <remarks>
    /// In digest order so that the page cursor (<c>last</c>) is a digest, and so that the subject index
    /// (<c>repository_id, subject</c>, keyed by digest) yields rows in order without a sort. Annotations longer
    /// than the descriptor cut (only in rows from before it) are not read into .NET at all.
    /// </remarks>
    public async IAsyncEnumerable<ManifestRecord> ListReferrersAsync(
        Repository repository, Digest subject, string? artifactType, Digest? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var command = connection.Command("""
            SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject,
                CASE WHEN length(m.annotations) <= $maxAnnotations THEN m.annotations END, m.created_at
            FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = $name AND m.subject = $subject AND m.digest > $after AND ($type IS NULL OR m.artifact_type = $type)
            ORDER BY m.digest
            """, ("$name", repository.Name), ("$subject", subject.ToString()), ("$after", after?.ToString() ?? ""), ("$type", artifactType),
            ("$maxAnnotations", AnnotationLimits.MaxDescriptorBytes));
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadManifest(reader);
        }
    }

    private static ManifestRecord ReadManifest(SqliteDataReader reader) =>
        new(Digest.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2))
        {
            ArtifactType = OptionalString(reader, 3),
            Subject = OptionalDigest(reader, 4),
            AnnotationsJson = OptionalString(reader, 5),
            CreatedAt = Time(reader.GetInt64(6)),
        };
}
