using Microsoft.Extensions.Options;

namespace OciCache.Storage;

/// <summary>
/// Checks <c>Metadata</c> at start: a known backend, and for <c>postgres</c> exactly one of the connection
/// string and its file, the file readable. Messages never quote a connection string (it may hold a password).
/// </summary>
internal sealed class MetadataOptionsRules : IValidateOptions<MetadataOptions>
{
    public ValidateOptionsResult Validate(string? name, MetadataOptions options)
    {
        var errors = new List<string>();
        if (!options.IsPostgres && !string.Equals(options.Backend, MetadataOptions.SqliteBackend, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Metadata:Backend: '{options.Backend}' is not a metadata backend (sqlite, postgres).");
        }

        var postgres = options.Postgres;
        var hasText = !string.IsNullOrWhiteSpace(postgres.ConnectionString);
        var hasFile = !string.IsNullOrWhiteSpace(postgres.ConnectionStringFile);
        if (hasText && hasFile)
        {
            errors.Add("Metadata:Postgres:ConnectionString: set it or Metadata:Postgres:ConnectionStringFile, not both.");
        }
        else if (options.IsPostgres && !hasText && !hasFile)
        {
            errors.Add("Metadata:Postgres:ConnectionString: required when Metadata:Backend is postgres (or Metadata:Postgres:ConnectionStringFile).");
        }
        else if (hasFile && !File.Exists(postgres.ConnectionStringFile))
        {
            errors.Add($"Metadata:Postgres:ConnectionStringFile: '{postgres.ConnectionStringFile}' does not exist.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
