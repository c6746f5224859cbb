namespace OciCache.Storage;

/// <summary>
/// The metadata schema. Times are Unix milliseconds. Digests are canonical strings (<c>sha256:…</c>).
/// <code>
/// repositories ─┬─&lt; repository_blobs &gt;── blobs          (which repository may see which blob)
///               ├─&lt; manifests ─┬─&lt; manifest_references   (blobs and child manifests a manifest needs)
///               │               └─&lt; tags
///               └ uploads (by name, so a session survives its repository being empty)
/// robots (robot accounts: name, SHA-256 of the secret, scopes; stands alone)
/// traffic_history (minute and hour buckets of hits, misses and bytes per upstream; stands alone)
/// pins (pin patterns added at runtime through /api/pins; stand alone)
/// pulls (manifest GETs per repository and digest: count and last time; by name, outlive eviction)
/// api_keys (personal API keys: id, user, SHA-256 of the key, scopes, groups, origin; stands alone)
/// </code>
/// </summary>
internal static class Schema
{
    public const string Version1 = """
        CREATE TABLE blobs (
            digest      TEXT PRIMARY KEY,
            size        INTEGER NOT NULL,
            created_at  INTEGER NOT NULL,
            last_access INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE repositories (
            id         INTEGER PRIMARY KEY,
            name       TEXT NOT NULL UNIQUE,
            upstream   TEXT,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE repository_blobs (
            repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
            digest        TEXT NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,
            linked_at     INTEGER NOT NULL,
            PRIMARY KEY (repository_id, digest)
        ) WITHOUT ROWID;
        CREATE INDEX repository_blobs_digest ON repository_blobs(digest);

        CREATE TABLE manifests (
            repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
            digest        TEXT NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,
            media_type    TEXT NOT NULL,
            size          INTEGER NOT NULL,
            artifact_type TEXT,
            subject       TEXT,
            annotations   TEXT,
            created_at    INTEGER NOT NULL,
            PRIMARY KEY (repository_id, digest)
        ) WITHOUT ROWID;
        CREATE INDEX manifests_subject ON manifests(repository_id, subject) WHERE subject IS NOT NULL;
        CREATE INDEX manifests_digest ON manifests(digest);

        CREATE TABLE manifest_references (
            repository_id INTEGER NOT NULL,
            manifest      TEXT NOT NULL,
            target        TEXT NOT NULL,
            PRIMARY KEY (repository_id, manifest, target),
            FOREIGN KEY (repository_id, manifest) REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX manifest_references_target ON manifest_references(target);

        CREATE TABLE tags (
            repository_id INTEGER NOT NULL,
            name          TEXT NOT NULL,
            digest        TEXT NOT NULL,
            updated_at    INTEGER NOT NULL,
            checked_at    INTEGER NOT NULL,
            PRIMARY KEY (repository_id, name),
            FOREIGN KEY (repository_id, digest) REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX tags_digest ON tags(repository_id, digest);

        CREATE TABLE uploads (
            id         TEXT PRIMARY KEY,
            repository TEXT NOT NULL,
            size       INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        """;

    /// <summary>
    /// Version 2: local blob links remember since when no manifest of their repository references them
    /// (garbage collection removes them after a grace period); eviction orders blobs by last access.
    /// </summary>
    public const string Version2 = """
        ALTER TABLE repository_blobs ADD COLUMN orphaned_at INTEGER;
        CREATE INDEX blobs_last_access ON blobs(last_access);
        """;

    // Version 3 changes data, not tables: SqliteDatabase.CutStoredAnnotations.

    /// <summary>
    /// Version 4: robot accounts (<c>ocicache robot add</c>). Only the SHA-256 of a secret is kept;
    /// <c>scopes</c> is a JSON array of scope texts (<c>["repository:site/*:pull,push"]</c>);
    /// <c>expires_at</c> is null for an account that does not expire.
    /// </summary>
    public const string Version4 = """
        CREATE TABLE IF NOT EXISTS robots (
            name        TEXT PRIMARY KEY,
            secret_hash BLOB NOT NULL,
            scopes      TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// Version 5: traffic history for the console (<see cref="TrafficHistory"/>). A row is one
    /// bucket of one upstream: <c>resolution</c> is its length in seconds (60 or 3600), <c>bucket_start</c>
    /// Unix milliseconds; the counts are what <see cref="Observability.CacheMetrics"/> counted in it.
    /// <c>pins</c>: patterns as <c>Storage:Pins</c> takes them, added by an admin at runtime.
    /// <c>pulls</c>: manifest GETs counted in memory and added here once a minute.
    /// </summary>
    public const string Version5 = """
        CREATE TABLE IF NOT EXISTS traffic_history (
            resolution    INTEGER NOT NULL,
            bucket_start  INTEGER NOT NULL,
            upstream      TEXT NOT NULL,
            hits          INTEGER NOT NULL,
            misses        INTEGER NOT NULL,
            served_bytes  INTEGER NOT NULL,
            fetched_bytes INTEGER NOT NULL,
            PRIMARY KEY (resolution, bucket_start, upstream)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS pins (
            pattern    TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            created_by TEXT
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS pulls (
            repository     TEXT NOT NULL,
            digest         TEXT NOT NULL,
            count          INTEGER NOT NULL,
            last_pulled_at INTEGER NOT NULL,
            PRIMARY KEY (repository, digest)
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// Personal API keys (<c>/api/keys</c>), applied at <see cref="SqliteDatabase.ApiKeysVersion"/>. Only the
    /// SHA-256 of a key is kept; <c>scopes</c> and <c>groups</c> are JSON arrays of texts; <c>expires_at</c> is
    /// required. Written with IF NOT EXISTS and numbered in one place, so it moves to another version number
    /// by changing that constant alone.
    /// </summary>
    public const string ApiKeys = """
        CREATE TABLE IF NOT EXISTS api_keys (
            id          TEXT PRIMARY KEY,
            user        TEXT NOT NULL,
            name        TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            scopes      TEXT NOT NULL,
            groups      TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys(user);
        """;

    /// <summary>
    /// Version 7: where an API key's person signed in when they made it: <c>oidc</c> (the issuer vouches for
    /// them) or <c>local</c> (an htpasswd user, checked against the file at every use). Keys made before
    /// this version are <c>local</c>: they work only while the htpasswd file has their user.
    /// </summary>
    public const string ApiKeyOrigin = """
        ALTER TABLE api_keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
        """;
}
