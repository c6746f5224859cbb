using OciCache.Oci;

namespace OciCache.Upstream;

/// <summary>
/// One entry of an upstream's <c>Allow</c> or <c>Deny</c> list: a <see cref="RepositoryPattern"/> over the
/// upstream's names with an optional tag part, <c>REPOSITORY</c> or <c>REPOSITORY:TAG</c> (<c>library/*</c>:
/// one segment, <c>bitnami/**</c>: any depth, <c>library/app:*-rc*</c>). A rule without a tag covers the
/// whole repository, pulls by digest included.
/// </summary>
public sealed class UpstreamRule
{
    private UpstreamRule(RepositoryPattern pattern) => Pattern = pattern;

    public string Text => Pattern.Text;

    internal RepositoryPattern Pattern { get; }

    /// <summary>Null: every reference of the repository.</summary>
    public TagPattern? Tag => Pattern.Tag;

    public static bool TryParse(string text, out UpstreamRule? rule, out string? error)
    {
        rule = RepositoryPattern.TryParseWithTag(text, out var pattern, out error) ? new UpstreamRule(pattern) : null;
        return rule is not null;
    }

    /// <summary>The rule covers the repository whatever the reference.</summary>
    public bool CoversRepository(string repository) => Tag is null && Pattern.IsMatch(repository);

    /// <summary>The rule names this tag of this repository (a rule without a tag names every tag).</summary>
    public bool CoversTag(string repository, string tag) => Pattern.IsMatch(repository, tag);

    public override string ToString() => Text;
}
