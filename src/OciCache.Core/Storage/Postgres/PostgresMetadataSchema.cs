namespace OciCache.Storage.Postgres;

/// <summary>
/// The metadata index's tables in PostgreSQL (migration 2): the shape of SQLite's (<see cref="Schema"/>,
/// versions 1 and 2) with PostgreSQL's types. Times are <c>timestamptz</c> cut to the millisecond, sizes
/// <c>bigint</c>; names and digests are <c>COLLATE "C"</c> so that paging by name or digest is ordinal, as in
/// SQLite. Repositories are never deleted, so an id once read stays valid.
/// <code>
/// repositories ─┬─&lt; repository_blobs &gt;── blobs          (which repository may see which blob)
///               ├─&lt; manifests ─┬─&lt; manifest_references   (blobs and child manifests a manifest needs)
///               │               └─&lt; tags
///               └ uploads (by name, so a session survives its repository being empty)
/// </code>
/// </summary>
internal static class PostgresMetadataSchema
{
    public const string Version2 = """
        CREATE TABLE blobs (
            digest      text COLLATE "C" PRIMARY KEY,
            size        bigint NOT NULL,
            created_at  timestamptz NOT NULL,
            last_access timestamptz NOT NULL
        );
        CREATE INDEX blobs_last_access ON blobs (last_access);

        CREATE TABLE repositories (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name       text COLLATE "C" NOT NULL UNIQUE,
            upstream   text COLLATE "C",
            created_at timestamptz NOT NULL
        );

        CREATE TABLE repository_blobs (
            repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
            digest        text COLLATE "C" NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
            linked_at     timestamptz NOT NULL,
            orphaned_at   timestamptz,
            PRIMARY KEY (repository_id, digest)
        );
        CREATE INDEX repository_blobs_digest ON repository_blobs (digest);

        CREATE TABLE manifests (
            repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
            digest        text COLLATE "C" NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
            media_type    text NOT NULL,
            size          bigint NOT NULL,
            artifact_type text,
            subject       text COLLATE "C",
            annotations   text,
            created_at    timestamptz NOT NULL,
            PRIMARY KEY (repository_id, digest)
        );
        CREATE INDEX manifests_subject ON manifests (repository_id, subject, digest) WHERE subject IS NOT NULL;
        CREATE INDEX manifests_digest ON manifests (digest);

        CREATE TABLE manifest_references (
            repository_id bigint NOT NULL,
            manifest      text COLLATE "C" NOT NULL,
            target        text COLLATE "C" NOT NULL,
            PRIMARY KEY (repository_id, manifest, target),
            FOREIGN KEY (repository_id, manifest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
        );
        CREATE INDEX manifest_references_target ON manifest_references (target);

        CREATE TABLE tags (
            repository_id bigint NOT NULL,
            name          text COLLATE "C" NOT NULL,
            digest        text COLLATE "C" NOT NULL,
            updated_at    timestamptz NOT NULL,
            checked_at    timestamptz NOT NULL,
            PRIMARY KEY (repository_id, name),
            FOREIGN KEY (repository_id, digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
        );
        CREATE INDEX tags_digest ON tags (repository_id, digest);

        CREATE TABLE uploads (
            id         text COLLATE "C" PRIMARY KEY,
            repository text COLLATE "C" NOT NULL,
            size       bigint NOT NULL,
            started_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX uploads_started_at ON uploads (started_at);
        """;
}
