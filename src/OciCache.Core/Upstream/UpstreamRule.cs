using OciCache.Auth;
using OciCache.Lifecycle;
using OciCache.Oci;

namespace OciCache.Upstream;

/// <summary>
/// One entry of an upstream's <c>Allow</c> or <c>Deny</c> list: <c>REPOSITORY</c> or <c>REPOSITORY:TAG</c>,
/// where REPOSITORY is a repository pattern over the upstream's names (<c>library/*</c>: one segment, <c>bitnami/**</c>: any depth, as in access policies) and TAG a
/// pattern where <c>*</c> stands for any characters (<c>*-rc*</c>). A rule without a tag covers the whole
/// repository, pulls by digest included.
/// </summary>
public sealed class UpstreamRule
{
    private UpstreamRule(string text, RepositoryGlob repository, Glob? tag)
    {
        Text = text;
        Repository = repository;
        Tag = tag;
    }

    public string Text { get; }

    internal RepositoryGlob Repository { get; }

    /// <summary>Null: every reference of the repository.</summary>
    public Glob? Tag { get; }

    public static bool TryParse(string text, out UpstreamRule? rule, out string? error)
    {
        rule = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var repository = colon < 0 ? text : text[..colon];
        var tag = colon < 0 ? null : text[(colon + 1)..];
        if (!RepositoryGlob.TryParse(repository, out var glob, out error))
        {
            return false;
        }

        // Tag characters, with * standing in for some of them.
        if (tag is not null && !RepositoryName.IsValidTag(tag.Replace("*", "a", StringComparison.Ordinal)))
        {
            error = $"'{tag}' is not a tag pattern (tag characters [A-Za-z0-9_.-], with *)";
            return false;
        }

        rule = new UpstreamRule(text, glob, tag is null ? null : new Glob(tag));
        return true;
    }

    /// <summary>The rule covers the repository whatever the reference.</summary>
    public bool CoversRepository(string repository) => Tag is null && Repository.IsMatch(repository);

    /// <summary>The rule names this tag of this repository (a rule without a tag names every tag).</summary>
    public bool CoversTag(string repository, string tag) => Repository.IsMatch(repository) && (Tag is null || Tag.IsMatch(tag));

    public override string ToString() => Text;
}
