namespace OciCache.Storage.Postgres;

/// <summary>
/// The PostgreSQL metadata schema as numbered migrations, applied in order by
/// <see cref="PostgresDatabase.MigrateAsync"/> and recorded in <c>schema_migrations</c>. A migration is never
/// edited once released: a change is a new number. Times are <c>timestamptz</c> kept to the millisecond (the
/// stores truncate before writing, as SQLite's Unix milliseconds do); names, patterns and ids are
/// <c>COLLATE "C"</c> so that "by name" is ordinal whatever the database's locale.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The migrations by version, ascending; a version is applied with its row in one transaction.</summary>
    public static IReadOnlyList<(int Version, string Sql)> All { get; } =
    [
        (1, """
            CREATE TABLE robots (
                name text COLLATE "C" PRIMARY KEY,
                secret_hash bytea NOT NULL,
                scopes text[] NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz
            );
            CREATE TABLE api_keys (
                id text COLLATE "C" PRIMARY KEY,
                user_name text COLLATE "C" NOT NULL,
                name text NOT NULL,
                scopes text[] NOT NULL,
                groups text[] NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                origin text NOT NULL CHECK (origin IN ('local', 'oidc')),
                secret_hash bytea NOT NULL
            );
            CREATE INDEX api_keys_by_user ON api_keys (user_name, created_at DESC, id);
            CREATE TABLE pins (
                pattern text COLLATE "C" PRIMARY KEY,
                created_at timestamptz NOT NULL,
                created_by text
            );
            CREATE TABLE pulls (
                repository text COLLATE "C" NOT NULL,
                digest text COLLATE "C" NOT NULL,
                count bigint NOT NULL,
                last_pulled_at timestamptz NOT NULL,
                PRIMARY KEY (repository, digest)
            );
            """),
        (2, PostgresMetadataSchema.Version2),
        (3, """
            CREATE TABLE fill_leases (
                digest text COLLATE "C" PRIMARY KEY,
                holder text NOT NULL,
                holder_url text NOT NULL,
                expires_at timestamptz NOT NULL
            );
            """),
        (4, """
            CREATE TABLE cluster_leader (
                name text COLLATE "C" PRIMARY KEY,
                holder text NOT NULL,
                expires_at timestamptz NOT NULL
            );
            CREATE TABLE cluster_secrets (
                name text COLLATE "C" PRIMARY KEY,
                value bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE audit_events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at timestamptz NOT NULL,
                action text COLLATE "C" NOT NULL,
                who text COLLATE "C",
                repository text COLLATE "C",
                line text NOT NULL
            );
            CREATE INDEX audit_events_by_action ON audit_events (action, id);
            CREATE INDEX audit_events_by_who ON audit_events (who, id);
            """),
        (5, """
            CREATE TABLE console_sessions (
                id_hash bytea PRIMARY KEY,
                user_name text COLLATE "C" NOT NULL,
                groups text[] NOT NULL,
                credential text,
                from_issuer boolean NOT NULL,
                csrf_token text NOT NULL,
                signed_in_at timestamptz NOT NULL,
                last_seen timestamptz NOT NULL,
                checked_at timestamptz NOT NULL
            );
            CREATE INDEX console_sessions_by_user ON console_sessions (user_name);
            CREATE INDEX console_sessions_by_last_seen ON console_sessions (last_seen);
            CREATE TABLE pending_signins (
                state_hash bytea PRIMARY KEY,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                source text COLLATE "C" NOT NULL,
                nonce text NOT NULL,
                code_verifier text NOT NULL,
                return_url text NOT NULL,
                started_at timestamptz NOT NULL
            );
            CREATE INDEX pending_signins_by_source ON pending_signins (source, seq);
            CREATE TABLE signin_failures (
                source text COLLATE "C" NOT NULL,
                failed_at timestamptz NOT NULL
            );
            CREATE INDEX signin_failures_by_source ON signin_failures (source, failed_at);
            CREATE INDEX signin_failures_by_time ON signin_failures (failed_at);
            """),
    ];

    /// <summary>The newest version.</summary>
    public static int Latest => All[^1].Version;
}
