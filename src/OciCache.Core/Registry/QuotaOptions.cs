using OciCache.Oci;
using OciCache.Settings;

namespace OciCache.Registry;

/// <summary>
/// One entry of <c>Quotas</c>: a byte limit on what the local repositories its patterns cover hold together.
/// A blob or manifest counts once however many of them hold it; mirrors are never counted.
/// </summary>
public sealed record QuotaOptions : ISettingsSection
{
    /// <summary>The name in refusals, on the Storage page and in metrics; <c>quota-&lt;index&gt;</c> when empty.</summary>
    public string? Name { get; set; }

    /// <summary>Repository patterns (<c>team-a/**</c>), as access control takes them, without a tag part.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>The most bytes the repositories may hold together; more than zero.</summary>
    public long MaxBytes { get; set; }

    /// <summary>The name this quota goes by: <see cref="Name"/>, or <c>quota-&lt;index&gt;</c>.</summary>
    public string EffectiveName(int index) => string.IsNullOrWhiteSpace(Name) ? $"quota-{index}" : Name;
}

/// <summary>
/// Checks <c>Quotas</c> at start: each entry has patterns that parse (and at least one), a limit above zero
/// and a name no other entry has. Each message names its key (<c>Quotas:1:MaxBytes</c>). Called by the
/// validator of the whole core options, which holds the list.
/// </summary>
internal static class QuotaOptionsRules
{
    public static IEnumerable<string> Problems(IReadOnlyList<QuotaOptions> quotas)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < quotas.Count; i++)
        {
            var quota = quotas[i];
            if (quota.Repositories.Count == 0)
            {
                errors.Add($"Quotas:{i}:Repositories: at least one repository pattern is needed.");
            }

            for (var p = 0; p < quota.Repositories.Count; p++)
            {
                if (!RepositoryPattern.TryParse(quota.Repositories[p], out _, out var error))
                {
                    errors.Add($"Quotas:{i}:Repositories:{p}: '{quota.Repositories[p]}': {error}.");
                }
            }

            if (quota.MaxBytes <= 0)
            {
                errors.Add($"Quotas:{i}:MaxBytes: {quota.MaxBytes} must be more than zero.");
            }

            var effective = quota.EffectiveName(i);
            if (!Quota.IsValidName(effective))
            {
                errors.Add($"Quotas:{i}:Name: '{effective}' must be letters, digits, '.', '_' or '-'.");
            }
            else if (!names.Add(effective))
            {
                errors.Add($"Quotas:{i}:Name: '{effective}' names another quota too.");
            }
        }

        return errors;
    }
}
