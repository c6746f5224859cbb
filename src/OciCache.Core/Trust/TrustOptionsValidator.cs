using Microsoft.Extensions.Options;
using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// Checks <c>Trust</c> at start: each failure names the rule's key (<c>Trust:Policies:0:Keys</c>) and, for a
/// key, its path and why it cannot be used; a key file is read here, so a bad one stops the start.
/// </summary>
internal sealed class TrustOptionsValidator : IValidateOptions<TrustOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Policies.Count; i++)
        {
            var rule = options.Policies[i];
            var key = $"Trust:Policies:{i}";
            var ruleName = rule.NameOrDefault(i);
            if (ruleName.Any(c => char.IsControl(c) || c == '"') || ruleName.Length > 100)
            {
                errors.Add($"{key}:Name: '{ruleName}' must be up to 100 characters without quotes or control characters.");
            }
            else if (!names.Add(ruleName))
            {
                errors.Add($"{key}:Name: another rule is named '{ruleName}'.");
            }

            if (!Enum.IsDefined(rule.Mode))
            {
                errors.Add($"{key}:Mode: must be enforce, warn or off.");
            }

            if (rule.Repositories.Count == 0)
            {
                errors.Add($"{key}:Repositories: rule \"{ruleName}\" names no repository pattern (site/**).");
            }

            foreach (var pattern in rule.Repositories)
            {
                if (!RepositoryPattern.TryParse(pattern, out _, out var error))
                {
                    errors.Add($"{key}:Repositories: rule \"{ruleName}\": {error}.");
                }
            }

            if (rule.Keys.Count == 0 && rule.Mode != TrustMode.Off)
            {
                errors.Add($"{key}:Keys: rule \"{ruleName}\" names no public key file or directory.");
            }

            foreach (var path in rule.Keys)
            {
                errors.AddRange(CheckKeys(key, ruleName, path));
            }
        }

        if (options.ReloadInterval <= TimeSpan.Zero)
        {
            errors.Add($"Trust:ReloadInterval: {options.ReloadInterval} must be more than zero (format d.hh:mm:ss).");
        }

        if (options.UnsignedRecheck <= TimeSpan.Zero)
        {
            errors.Add($"Trust:UnsignedRecheck: {options.UnsignedRecheck} must be more than zero (format d.hh:mm:ss).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> CheckKeys(string key, string rule, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return [$"{key}:Keys: rule \"{rule}\" has an empty key path."];
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return [$"{key}:Keys: rule \"{rule}\": {path} is neither a key file nor a directory."];
        }

        try
        {
            return TrustKey.LoadAll(path).Count == 0 ? [$"{key}:Keys: rule \"{rule}\": {path} holds no *.pub or *.pem key."] : [];
        }
        catch (Exception e) when (e is TrustKeyException or IOException or UnauthorizedAccessException)
        {
            return [$"{key}:Keys: rule \"{rule}\": {path}: {e.Message}"];
        }
    }
}
