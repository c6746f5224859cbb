using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OciCache.Oci;

/// <summary>Validation of repository names and tags against the distribution-spec grammar.</summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests</remarks>
public static partial class RepositoryName
{
    /// <summary>Clients commonly cap host plus name at 255 characters; the registry holds names to the same bound.</summary>
    public const int MaxLength = 255;

    public static bool IsValid([NotNullWhen(true)] string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && NamePattern().IsMatch(name);

    public static bool IsValidTag([NotNullWhen(true)] string? tag) =>
        !string.IsNullOrEmpty(tag) && TagPattern().IsMatch(tag);

    // \z, not $: .NET's $ also matches before a final newline, and "latest\n" would reach an upstream URL.
    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
