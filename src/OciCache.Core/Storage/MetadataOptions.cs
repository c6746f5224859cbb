using OciCache.Settings;

namespace OciCache.Storage;

/// <summary>
/// Where metadata lives (<c>Metadata</c> in configuration): the embedded SQLite database in the data folder
/// (the default, one process), or a PostgreSQL database that several replicas share.
/// </summary>
public sealed record MetadataOptions : ISettingsSection
{
    public const string SqliteBackend = "sqlite";

    public const string PostgresBackend = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Backend { get; set; } = SqliteBackend;

    /// <summary>The PostgreSQL database, when <see cref="Backend"/> is <c>postgres</c>.</summary>
    public PostgresMetadataOptions Postgres { get; set; } = new();

    /// <summary>True when metadata is in PostgreSQL.</summary>
    public bool IsPostgres => string.Equals(Backend, PostgresBackend, StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>Metadata:Postgres</c>: how to reach the shared database.</summary>
public sealed record PostgresMetadataOptions : ISettingsSection
{
    /// <summary>An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file holding the connection string, so its password stays out of the settings file; read once at start.</summary>
    public string? ConnectionStringFile { get; set; }

    /// <summary>The connection string from the setting or its file (trailing white space dropped); null when neither is set.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public string? Resolve() =>
        !string.IsNullOrWhiteSpace(ConnectionStringFile) ? File.ReadAllText(ConnectionStringFile).TrimEnd()
        : string.IsNullOrWhiteSpace(ConnectionString) ? null
        : ConnectionString;
}
