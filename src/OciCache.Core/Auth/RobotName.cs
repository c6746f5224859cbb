using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OciCache.Auth;

/// <summary>Robot account names: <c>[a-z0-9][a-z0-9._-]{0,63}</c>, without the <c>robot$</c> prefix.</summary>
public static partial class RobotName
{
    /// <summary>The rule, for error messages.</summary>
    public const string Rule = "a lowercase letter or digit, then up to 63 of a-z, 0-9, '.', '_', '-'";

    public static bool IsValid([NotNullWhen(true)] string? name) => name is not null && Pattern().IsMatch(name);

    // \A and \z, not ^ and $: in .NET $ also matches before a final \n, so "ci\n" would pass.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
