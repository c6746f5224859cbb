using System.Diagnostics.CodeAnalysis;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Lifecycle;

/// <summary>
/// One pin (<c>Storage:Pins</c>, a sync job's pin, or a pin added at runtime): a <see cref="RepositoryPattern"/>
/// with an optional tag part, <c>REPOSITORY[:TAG]</c>, over stored names (registry first,
/// <c>docker.io/library/nginx</c>; Docker Hub's short form <c>docker.io/nginx</c> means <c>library/</c>).
/// Without a tag, or with the tag <c>*</c>, every tag and every untagged manifest of the repository is pinned.
/// </summary>
/// <remarks>
/// Pins used to read <c>*</c> as any characters, <c>/</c> included, where the one dialect keeps it within a
/// segment. So that no pin covers less than it did, a <c>*</c> that ends a segment and is not followed by a
/// <c>**</c> segment is read with <c>/**</c> after that segment (<c>docker.io/library/*</c> as
/// <c>docker.io/library/*/**</c>, <c>registry.k8s.io/core*</c> as <c>registry.k8s.io/core*/**</c>), and one
/// that starts a segment and is not preceded by a <c>**</c> segment with <c>**/</c> before it
/// (<c>docker.io/*nginx</c> as <c>docker.io/**/*nginx</c>); a run of <c>*</c> inside a segment is one
/// <c>*</c>. On valid names each rewrite covers exactly what the old reading did. The written forms are fixed
/// points, so a pin in the new spelling is never rewritten. A <c>*</c> with characters on both sides inside a
/// segment (<c>lib*nx</c>) has no one-pattern spelling of its old reading and stays within its segment.
/// </remarks>
public sealed class PinPattern
{
    private PinPattern(string text, string spelling, RepositoryPattern pattern)
    {
        Text = text;
        Spelling = spelling;
        Pattern = pattern;
    }

    /// <summary>The pin as written.</summary>
    public string Text { get; }

    /// <summary>The pin in the one dialect, as it is read; <see cref="Text"/> unless <see cref="IsRewritten"/>.</summary>
    public string Spelling { get; }

    /// <summary>The pin was written with a <c>*</c> that crossed <c>/</c> and is read in its new spelling.</summary>
    public bool IsRewritten => !string.Equals(Text, Spelling, StringComparison.Ordinal);

    internal RepositoryPattern Pattern { get; }

    /// <summary>Parses a pin; false with a reason when its repository or tag part is no pattern.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out PinPattern? pin, [NotNullWhen(false)] out string? error)
    {
        pin = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var repository = CollapseStars(colon < 0 ? text : text[..colon]);
        var tag = colon < 0 ? "" : text[colon..];
        if (!RepositoryPattern.TryParseWithTag(repository + tag, out _, out error))
        {
            return false;
        }

        var spelling = PinSpelling.Rewrite(repository) + tag;
        var read = repository.Contains('*') ? spelling : Normalize(repository) + tag;
        if (!RepositoryPattern.TryParseWithTag(read, out var pattern, out error))
        {
            return false;
        }

        pin = new PinPattern(text, spelling, pattern);
        return true;
    }

    /// <summary>True when a manifest of <paramref name="repository"/> with these tags (possibly none) is pinned.</summary>
    public bool IsPinned(string repository, IReadOnlyList<string> tags)
    {
        if (!Pattern.IsMatch(repository))
        {
            return false;
        }

        if (Pattern.Tag is not { Text: not "*" } tag)
        {
            return true;
        }

        foreach (var t in tags)
        {
            if (tag.IsMatch(t))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Text;

    /// <summary><c>**</c> inside a segment read like <c>*</c> in the old pins; the one dialect refuses it.</summary>
    private static string CollapseStars(string repository)
    {
        var segments = repository.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            while (segments[i] != "**" && segments[i].Contains("**", StringComparison.Ordinal))
            {
                segments[i] = segments[i].Replace("**", "*", StringComparison.Ordinal);
            }
        }

        return string.Join('/', segments);
    }

    /// <summary>Docker Hub's short form: <c>docker.io/nginx</c> is stored as <c>docker.io/library/nginx</c>.</summary>
    private static string Normalize(string repository)
    {
        var slash = repository.IndexOf('/');
        return slash > 0 && repository.IndexOf('.') is var dot && dot >= 0 && dot < slash
            ? $"{repository[..slash]}/{RepositoryRouter.NormalizeRemote(repository[..slash], repository[(slash + 1)..])}"
            : repository;
    }
}
