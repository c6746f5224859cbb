using System.Text.RegularExpressions;
using OciCache.Oci;

namespace OciCache.Sync;

/// <summary>
/// Tags that stand for referrers of a digest where a registry lacks the referrers API: the OCI fallback tag
/// <c>sha256-&lt;hex&gt;</c> (an index of the referrers, distribution-spec "referrers tag schema") and cosign's
/// <c>sha256-&lt;hex&gt;.sig</c>, <c>.att</c> and <c>.sbom</c>.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema</remarks>
public static partial class ReferrerTags
{
    private static readonly string[] Suffixes = ["", ".sig", ".att", ".sbom"];

    /// <summary>The tags that may hold referrers of <paramref name="subject"/>.</summary>
    public static IEnumerable<string> For(Digest subject) =>
        Suffixes.Select(s => $"{subject.Algorithm}-{subject.Encoded}{s}");

    public static bool IsReferrerTag(string tag) => Pattern().IsMatch(tag);

    [GeneratedRegex(@"\Asha(256|512)-[0-9a-f]{64,128}(\.sig|\.att|\.sbom)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
