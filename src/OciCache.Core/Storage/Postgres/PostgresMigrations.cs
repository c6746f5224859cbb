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
        (3, """
            CREATE TABLE fill_leases (
                digest text COLLATE "C" PRIMARY KEY,
                holder text NOT NULL,
                holder_url text NOT NULL,
                expires_at timestamptz NOT NULL
            );
            """),
    ];

    /// <summary>The newest version.</summary>
    public static int Latest => All[^1].Version;
}
