using System.Runtime.CompilerServices;
using OciCache.Oci;

namespace OciCache.Storage;

public sealed partial class SqliteMetadataIndex
{
    public ValueTask<bool> ExistsAsync(Repository repository, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("SELECT 1 FROM repositories WHERE name = $name", ("$name", repository.Name));
            return command.ExecuteScalar() is not null;
        }));

    public Task<IReadOnlyList<string>> ListAsync(int limit, string? after, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read<IReadOnlyList<string>>(cancellationToken, c =>
        {
            using var command = c.Command(
                "SELECT name FROM repositories WHERE name > $after ORDER BY name LIMIT $limit",
                ("$after", after ?? ""), ("$limit", limit));
            using var reader = command.ExecuteReader();
            var names = new List<string>();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }));

    public ValueTask<BlobRecord?> GetBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command(
                "SELECT size, created_at, last_access FROM blobs WHERE digest = $digest", ("$digest", digest.ToString()));
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new BlobRecord(digest, reader.GetInt64(0), Time(reader.GetInt64(1)), Time(reader.GetInt64(2)))
                : null;
        }));

    public ValueTask<long?> GetLinkedBlobSizeAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("""
                SELECT b.size FROM blobs b
                JOIN repository_blobs rb ON rb.digest = b.digest
                JOIN repositories r ON r.id = rb.repository_id
                WHERE r.name = $name AND b.digest = $digest
                """, ("$name", repository.Name), ("$digest", digest.ToString()));
            return command.ExecuteScalar() is long size ? size : (long?)null;
        }));

    public Task AddBlobAsync(Repository repository, Digest digest, long size) => WriteAsync((c, t) =>
    {
        var id = EnsureRepository(c, t, repository);
        using var command = c.Command(t, """
            INSERT INTO blobs(digest, size, created_at, last_access) VALUES ($digest, $size, $now, $now)
                ON CONFLICT(digest) DO UPDATE SET last_access = $now;
            INSERT INTO repository_blobs(repository_id, digest, linked_at) VALUES ($id, $digest, $now)
                ON CONFLICT DO NOTHING;
            """, ("$digest", digest.ToString()), ("$size", size), ("$now", Now), ("$id", id));
        command.ExecuteNonQuery();
    });

    public Task<bool> LinkBlobAsync(Repository repository, Digest digest) => WriteAsync((c, t) =>
    {
        using (var exists = c.Command(t, "SELECT 1 FROM blobs WHERE digest = $digest", ("$digest", digest.ToString())))
        {
            if (exists.ExecuteScalar() is null)
            {
                return false;
            }
        }

        var id = EnsureRepository(c, t, repository);
        using var link = c.Command(t,
            "INSERT INTO repository_blobs(repository_id, digest, linked_at) VALUES ($id, $digest, $now) ON CONFLICT DO NOTHING",
            ("$id", id), ("$digest", digest.ToString()), ("$now", Now));
        link.ExecuteNonQuery();
        return true;
    });

    public Task<BlobUnlink> UnlinkBlobAsync(Repository repository, Digest digest) => WriteAsync((c, t) =>
    {
        using var delete = c.Command(t, """
            DELETE FROM repository_blobs
            WHERE digest = $digest AND repository_id = (SELECT id FROM repositories WHERE name = $name)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr
                              WHERE mr.repository_id = repository_blobs.repository_id AND mr.target = $digest)
            """, ("$digest", digest.ToString()), ("$name", repository.Name));
        if (delete.ExecuteNonQuery() > 0)
        {
            return BlobUnlink.Unlinked;
        }

        using var linked = c.Command(t, """
            SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
            WHERE r.name = $name AND rb.digest = $digest
            """, ("$digest", digest.ToString()), ("$name", repository.Name));
        return linked.ExecuteScalar() is null ? BlobUnlink.NotLinked : BlobUnlink.Referenced;
    });

    public ValueTask<bool> IsReferencedByAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("""
                SELECT 1 FROM manifest_references mr JOIN repositories r ON r.id = mr.repository_id
                WHERE r.name = $name AND mr.target = $digest LIMIT 1
                """, ("$name", repository.Name), ("$digest", digest.ToString()));
            return command.ExecuteScalar() is not null;
        }));

    public ValueTask<bool> IsLinkedFromUpstreamAsync(string upstream, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("""
                SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                WHERE rb.digest = $digest AND r.upstream = $upstream LIMIT 1
                """, ("$upstream", upstream), ("$digest", digest.ToString()));
            return command.ExecuteScalar() is not null;
        }));

    public Task RemoveBlobAsync(Digest digest) => WriteAsync((c, t) =>
    {
        // Cascades remove links and manifests stored under this digest; references to it from other
        // manifests stay, so those manifests report the blob missing rather than vanishing silently.
        using var command = c.Command(t, "DELETE FROM blobs WHERE digest = $digest", ("$digest", digest.ToString()));
        command.ExecuteNonQuery();
    });

    public async IAsyncEnumerable<BlobRecord> EnumerateBlobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT digest, size, created_at, last_access FROM blobs ORDER BY digest");
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new BlobRecord(
                Digest.Parse(reader.GetString(0)), reader.GetInt64(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3)));
        }
    }
    public Task<QuotaUsage> MeasureAsync(
        IReadOnlyList<RepositoryPattern> repositories, IReadOnlyCollection<Digest> candidates, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c =>
        {
            // One read transaction: the repositories and the sum come from one snapshot.
            using var transaction = c.BeginTransaction(deferred: true);
            var ids = new List<long>();
            using (var local = c.Command(transaction, "SELECT id, name FROM repositories WHERE upstream IS NULL"))
            using (var reader = local.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (QuotaUsage.Covers(repositories, reader.GetString(1)))
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }
            }

            if (ids.Count == 0)
            {
                return QuotaUsage.Empty;
            }

            // A manifest's bytes are a blob row too, reached through the manifests table rather than a link.
            using var command = c.Command(transaction, """
                WITH chosen(id) AS (SELECT value FROM json_each($ids)),
                held(digest) AS (
                    SELECT digest FROM repository_blobs WHERE repository_id IN (SELECT id FROM chosen)
                    UNION
                    SELECT digest FROM manifests WHERE repository_id IN (SELECT id FROM chosen))
                SELECT NULL, COALESCE(SUM(b.size), 0) FROM held JOIN blobs b ON b.digest = held.digest
                UNION ALL
                SELECT digest, 0 FROM held WHERE digest IN (SELECT value FROM json_each($candidates))
                """,
                ("$ids", $"[{string.Join(',', ids)}]"),
                ("$candidates", System.Text.Json.JsonSerializer.Serialize(candidates.Select(d => d.ToString()).ToArray(), StringArrayContext.Default.StringArray)));
            using var rows = command.ExecuteReader();
            long bytes = 0;
            var held = new HashSet<Digest>();
            while (rows.Read())
            {
                if (rows.IsDBNull(0))
                {
                    bytes = rows.GetInt64(1);
                }
                else
                {
                    held.Add(Digest.Parse(rows.GetString(0)));
                }
            }

            return new QuotaUsage(bytes, held);
        }));
}
