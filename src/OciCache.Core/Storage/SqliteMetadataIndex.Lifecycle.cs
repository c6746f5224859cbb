using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>Queries of the cache lifecycle: budget, LRU eviction, garbage collection of local content.</summary>
public sealed partial class SqliteMetadataIndex
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

    public Task<long> GetCachedBytesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command($"SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE NOT {LocallyNeeded}");
            return (long)command.ExecuteScalar()!;
        }));

    public Task TouchBlobsAsync(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses)
    {
        if (accesses.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync((c, t) =>
        {
            using var command = c.Command(t, "UPDATE blobs SET last_access = MAX(last_access, $at) WHERE digest = $digest",
                ("$at", 0L), ("$digest", ""));
            foreach (var (digest, at) in accesses)
            {
                command.Parameters["$at"].Value = at.ToUnixTimeMilliseconds();
                command.Parameters["$digest"].Value = digest.ToString();
                command.ExecuteNonQuery();
            }
        });
    }

    public Task<IReadOnlyList<EvictionCandidate>> ListEvictionCandidatesAsync(bool includeLocal, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c => ListEvictionCandidates(c, includeLocal)));

    private static IReadOnlyList<EvictionCandidate> ListEvictionCandidates(SqliteConnection c, bool includeLocal)
    {
        var candidates = new List<EvictionCandidate>();
        using (var roots = c.Command("""
            SELECT r.name, r.upstream, m.digest, b.last_access, b.size,
                   (SELECT group_concat(t.name, char(10)) FROM tags t WHERE t.repository_id = m.repository_id AND t.digest = m.digest)
            FROM manifests m
            JOIN repositories r ON r.id = m.repository_id
            JOIN blobs b ON b.digest = m.digest
            WHERE (r.upstream IS NOT NULL OR $local)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = m.repository_id AND mr.target = m.digest)
            """, ("$local", includeLocal)))
        using (var reader = roots.ExecuteReader())
        {
            while (reader.Read())
            {
                candidates.Add(new EvictionCandidate(Digest.Parse(reader.GetString(2)), Time(reader.GetInt64(3)), reader.GetInt64(4))
                {
                    Repository = Repository.FromStored(reader.GetString(0), OptionalString(reader, 1)),
                    Tags = OptionalString(reader, 5)?.Split('\n') ?? [],
                });
            }
        }

        var keepLocal = includeLocal ? "" : $"AND NOT {LocallyNeeded}";
        using (var blobs = c.Command($"SELECT b.digest, b.last_access, b.size FROM blobs b WHERE NOT {ManifestNeeded} {keepLocal}"))
        using (var reader = blobs.ExecuteReader())
        {
            while (reader.Read())
            {
                candidates.Add(new EvictionCandidate(Digest.Parse(reader.GetString(0)), Time(reader.GetInt64(1)), reader.GetInt64(2)));
            }
        }

        candidates.Sort((a, b) => a.LastAccess.CompareTo(b.LastAccess));
        return candidates;
    }

    public Task<IReadOnlyList<Digest>> DeleteManifestTreeAsync(Repository repository, Digest root) => WriteAsync((c, t) =>
    {
        var touched = new HashSet<Digest>();
        var pending = new Stack<Digest>([root]);
        using var id = c.Command(t, "SELECT id FROM repositories WHERE name = $name", ("$name", repository.Name));
        if (id.ExecuteScalar() is not long repositoryId)
        {
            return (IReadOnlyList<Digest>)[];
        }

        while (pending.TryPop(out var digest))
        {
            var targets = new List<Digest>();
            using (var select = c.Command(t, "SELECT target FROM manifest_references WHERE repository_id = $id AND manifest = $digest",
                       ("$id", repositoryId), ("$digest", digest.ToString())))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    targets.Add(Digest.Parse(reader.GetString(0)));
                }
            }

            using (var delete = c.Command(t, "DELETE FROM manifests WHERE repository_id = $id AND digest = $digest",
                       ("$id", repositoryId), ("$digest", digest.ToString())))
            {
                delete.ExecuteNonQuery(); // its tags and references go with it
            }

            touched.Add(digest);
            foreach (var target in targets)
            {
                touched.Add(target);
                if (IsUnreferencedUntaggedManifest(c, t, repositoryId, target))
                {
                    pending.Push(target); // a child of an index nothing else holds on to
                }
            }
        }

        return (IReadOnlyList<Digest>)[.. touched];
    });

    public Task<IReadOnlyList<BlobRecord>> ListUnneededBlobsAsync(
        IReadOnlyCollection<Digest>? among, UnneededScope scope, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c => ListUnneededBlobs(c, among, scope)));

    private static IReadOnlyList<BlobRecord> ListUnneededBlobs(SqliteConnection c, IReadOnlyCollection<Digest>? among, UnneededScope scope)
    {
        var keep = scope switch
        {
            UnneededScope.KeepLinked => "AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)",
            UnneededScope.KeepLocal => $"AND NOT {LocallyNeeded}",
            _ => "",
        };
        var filter = among is null ? "" : "AND b.digest IN (SELECT value FROM json_each($among))";
        using var command = c.Command($"SELECT b.digest, b.size, b.created_at, b.last_access FROM blobs b WHERE NOT {ManifestNeeded} {keep} {filter}",
            ("$among", among is null ? null : System.Text.Json.JsonSerializer.Serialize(among.Select(d => d.ToString()).ToArray(), StringArrayContext.Default.StringArray)));
        using var reader = command.ExecuteReader();
        var list = new List<BlobRecord>();
        while (reader.Read())
        {
            list.Add(new BlobRecord(Digest.Parse(reader.GetString(0)), reader.GetInt64(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3))));
        }

        return list;
    }

    public Task MarkOrphanedLinksAsync(DateTimeOffset now) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, """
            UPDATE repository_blobs SET orphaned_at = NULL
            WHERE orphaned_at IS NOT NULL AND (
                EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = repository_blobs.repository_id AND mr.target = repository_blobs.digest)
                OR EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = repository_blobs.repository_id AND m.digest = repository_blobs.digest));
            UPDATE repository_blobs SET orphaned_at = $now
            WHERE orphaned_at IS NULL
              AND repository_id IN (SELECT id FROM repositories WHERE upstream IS NULL)
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = repository_blobs.repository_id AND mr.target = repository_blobs.digest)
              AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = repository_blobs.repository_id AND m.digest = repository_blobs.digest);
            """, ("$now", now.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    });

    public Task<int> DeleteOrphanedLinksAsync(DateTimeOffset before) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, "DELETE FROM repository_blobs WHERE orphaned_at IS NOT NULL AND orphaned_at < $before",
            ("$before", before.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery();
    });

    private static bool IsUnreferencedUntaggedManifest(SqliteConnection c, SqliteTransaction t, long repositoryId, Digest digest)
    {
        using var command = c.Command(t, """
            SELECT 1 FROM manifests m WHERE m.repository_id = $id AND m.digest = $digest
              AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository_id = $id AND mr.target = $digest)
              AND NOT EXISTS (SELECT 1 FROM tags WHERE repository_id = $id AND digest = $digest)
            """, ("$id", repositoryId), ("$digest", digest.ToString()));
        return command.ExecuteScalar() is not null;
    }
}

/// <summary>Which links still keep an unreferenced blob.</summary>
public enum UnneededScope
{
    /// <summary>Any repository link keeps it (garbage collection: mirror blobs are eviction's business).</summary>
    KeepLinked,

    /// <summary>Links of local repositories keep it (eviction of mirror content).</summary>
    KeepLocal,

    /// <summary>Nothing but a manifest keeps it (eviction that may take local content too).</summary>
    KeepNothing,
}

/// <summary>
/// Something eviction may remove: a root manifest of a repository (with its tags and what only it
/// references), or a blob no manifest references.
/// </summary>
public sealed record EvictionCandidate(Digest Digest, DateTimeOffset LastAccess, long Size)
{
    /// <summary>The repository of a root manifest; null for an unreferenced blob.</summary>
    public Repository? Repository { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool IsManifest => Repository is not null;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class StringArrayContext : System.Text.Json.Serialization.JsonSerializerContext;
