using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.WebConsole;

/// <summary>
/// The console's read-only queries over the metadata database: repositories with their sizes, tags with
/// what each holds, the largest images and the bytes per upstream. Each opens its own connection (WAL:
/// beside the writer) and is bounded by a limit; none writes.
/// </summary>
internal sealed class ConsoleCatalog(SqliteDatabase database)
{
    /// <summary>Repositories after <paramref name="after"/> whose name contains <paramref name="query"/>, by name.</summary>
    public IReadOnlyList<RepositoryRow> ListRepositories(string? query, string? after, int limit) => Repositories(query, after, null, limit);

    /// <summary>The repository's row, or null when it is not stored.</summary>
    public RepositoryRow? FindRepository(string name) => Repositories(null, null, name, 1).FirstOrDefault();

    private List<RepositoryRow> Repositories(string? query, string? after, string? exact, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.id, r.name, r.upstream,
                   (SELECT count(*) FROM tags t WHERE t.repository_id = r.id),
                   (SELECT coalesce(sum(b.size), 0) FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest WHERE rb.repository_id = r.id),
                   (SELECT max(t.updated_at) FROM tags t WHERE t.repository_id = r.id)
            FROM repositories r
            WHERE r.name > $after AND ($q = '' OR instr(lower(r.name), lower($q)) > 0) AND ($exact = '' OR r.name = $exact)
            ORDER BY r.name LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", after ?? "");
        command.Parameters.AddWithValue("$q", query ?? "");
        command.Parameters.AddWithValue("$exact", exact ?? "");
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<RepositoryRow>();
        while (reader.Read())
        {
            rows.Add(new RepositoryRow(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return rows;
    }

    /// <summary>Tags of the repository with their manifests, by tag name (at most <paramref name="limit"/>).</summary>
    public IReadOnlyList<TagRow> ListTags(string repository, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.name, t.digest, m.media_type, m.size, t.updated_at, p.count, p.last_pulled_at,
                   (WITH RECURSIVE tree(d) AS (SELECT t.digest UNION SELECT mr.target FROM manifest_references mr JOIN tree ON mr.manifest = tree.d
                                               WHERE mr.repository_id = r.id)
                    SELECT coalesce(sum(b.size), 0) FROM tree JOIN blobs b ON b.digest = tree.d)
            FROM tags t JOIN repositories r ON r.id = t.repository_id
            JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.digest
            LEFT JOIN pulls p ON p.repository = r.name AND p.digest = t.digest
            WHERE r.name = $name ORDER BY t.name LIMIT $limit
            """;
        command.Parameters.AddWithValue("$name", repository);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<TagRow>();
        while (reader.Read())
        {
            rows.Add(new TagRow(reader.GetString(0), Digest.Parse(reader.GetString(1)), reader.GetString(2), reader.GetInt64(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? 0 : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetInt64(7)));
        }

        return rows;
    }

    /// <summary>The manifests of the repository whose subject is <paramref name="subject"/> (at most 100).</summary>
    public IReadOnlyList<ReferrerRow> ListReferrers(string repository, Digest subject)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT m.digest, m.media_type, m.artifact_type FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = $name AND m.subject = $subject ORDER BY m.digest LIMIT 100
            """;
        command.Parameters.AddWithValue("$name", repository);
        command.Parameters.AddWithValue("$subject", subject.ToString());
        using var reader = command.ExecuteReader();
        var rows = new List<ReferrerRow>();
        while (reader.Read())
        {
            rows.Add(new ReferrerRow(Digest.Parse(reader.GetString(0)), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    /// <summary>Tagged images by the bytes they hold (manifests and blobs, shared ones counted in each), largest first.</summary>
    public IReadOnlyList<ImageSizeRow> LargestImages(int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE tree(rid, root, d) AS (
                SELECT DISTINCT t.repository_id, t.digest, t.digest FROM tags t
                UNION
                SELECT tree.rid, tree.root, mr.target FROM manifest_references mr JOIN tree ON mr.repository_id = tree.rid AND mr.manifest = tree.d)
            SELECT r.name, r.upstream, tree.root, sum(b.size) AS bytes,
                   (SELECT group_concat(t.name, ',') FROM tags t WHERE t.repository_id = tree.rid AND t.digest = tree.root)
            FROM tree JOIN blobs b ON b.digest = tree.d JOIN repositories r ON r.id = tree.rid
            GROUP BY tree.rid, tree.root ORDER BY bytes DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<ImageSizeRow>();
        while (reader.Read())
        {
            rows.Add(new ImageSizeRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), Digest.Parse(reader.GetString(2)),
                reader.GetInt64(3), reader.IsDBNull(4) ? [] : reader.GetString(4).Split(',')));
        }

        return rows;
    }

    /// <summary>Bytes of the manifest and everything it references in the repository (child manifests, blobs).</summary>
    /// <summary>
    /// What evicting the image would free: the bytes of its manifest tree that nothing else holds (no other
    /// repository links or stores them, no manifest outside the tree references them).
    /// </summary>
    public long FreedBytes(string repository, Digest digest)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE tree(d) AS (
                SELECT $digest
                UNION
                SELECT mr.target FROM manifest_references mr JOIN tree ON mr.manifest = tree.d
                WHERE mr.repository_id = (SELECT id FROM repositories WHERE name = $name))
            SELECT coalesce(sum(b.size), 0) FROM tree JOIN blobs b ON b.digest = tree.d
            WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                              WHERE rb.digest = tree.d AND r.name <> $name)
              AND NOT EXISTS (SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id
                              WHERE m.digest = tree.d AND r.name <> $name)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr
                              WHERE mr.target = tree.d AND mr.manifest NOT IN (SELECT d FROM tree))
            """;
        command.Parameters.AddWithValue("$name", repository);
        command.Parameters.AddWithValue("$digest", digest.ToString());
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// The store's bytes by origin, each byte counted once: what only one upstream holds (the empty name:
    /// only local repositories), what more than one origin shares, and every stored blob and manifest.
    /// The difference of the whole and the rest is content no repository holds (garbage collection's).
    /// </summary>
    public StorageBreakdown Breakdown()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH holders(u, d) AS (
                SELECT coalesce(r.upstream, ''), rb.digest FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                UNION SELECT coalesce(r.upstream, ''), m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id),
            owners(d, u, n) AS (SELECT d, min(u), count(DISTINCT u) FROM holders GROUP BY d)
            SELECT CASE WHEN o.n > 1 THEN NULL ELSE o.u END, sum(b.size) FROM owners o JOIN blobs b ON b.digest = o.d
            GROUP BY 1 ORDER BY 1
            """;
        var only = new Dictionary<string, long>(StringComparer.Ordinal);
        long shared = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (reader.IsDBNull(0))
                {
                    shared = reader.GetInt64(1);
                }
                else
                {
                    only[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
        }

        using var total = connection.CreateCommand();
        total.CommandText = "SELECT coalesce(sum(size), 0) FROM blobs";
        return new StorageBreakdown((long)total.ExecuteScalar()!, only, shared);
    }
}

/// <param name="StoredBytes">Every blob and manifest in the store, each once: the bytes on disk.</param>
/// <param name="OnlyBy">Bytes only this origin's repositories hold, by upstream (the empty name: local).</param>
/// <param name="SharedBytes">Bytes held by repositories of more than one origin (a pushed image's layer that a mirror also has).</param>
public sealed record StorageBreakdown(long StoredBytes, IReadOnlyDictionary<string, long> OnlyBy, long SharedBytes);

public sealed record RepositoryRow(string Name, string? Upstream, int Tags, long Bytes, DateTimeOffset? UpdatedAt);

public sealed record TagRow(string Tag, Digest Digest, string MediaType, long ManifestSize, DateTimeOffset UpdatedAt, long Pulls, DateTimeOffset? LastPulled, long Bytes);

public sealed record ReferrerRow(Digest Digest, string MediaType, string? ArtifactType);

public sealed record ImageSizeRow(string Repository, string? Upstream, Digest Digest, long Bytes, IReadOnlyList<string> Tags);
