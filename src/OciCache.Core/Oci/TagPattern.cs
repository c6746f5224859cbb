using System.Diagnostics.CodeAnalysis;

namespace OciCache.Oci;

/// <summary>
/// The tag part of a <see cref="RepositoryPattern"/> (<c>library/nginx:1.*</c>), and a prefetch's tag
/// pattern: tag characters (<c>[A-Za-z0-9_.-]</c>, first not <c>.</c> or <c>-</c>), where <c>*</c> stands
/// for any run of characters, none included. Nothing else is special: <c>?</c>, <c>[</c> and <c>{</c> are
/// no tag characters, so a pattern with them is refused. Matched against the whole tag, case-sensitively.
/// </summary>
public sealed class TagPattern
{
    private TagPattern(string text) => Text = text;

    public string Text { get; }

    /// <summary>
    /// Parses <paramref name="text"/>; false with a reason when it is not a tag once each <c>*</c> stands
    /// for one letter (empty, a space, a character no tag has, longer than a tag may be).
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out TagPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        if (!RepositoryName.IsValidTag(text.Replace("*", "a", StringComparison.Ordinal)))
        {
            pattern = null;
            error = $"'{text}' is not a tag pattern (tag characters [A-Za-z0-9_.-], with *)";
            return false;
        }

        pattern = new TagPattern(text);
        error = null;
        return true;
    }

    /// <summary>
    /// Whether the pattern covers the whole of <paramref name="tag"/>. The tag is not checked: a <c>*</c>
    /// covers any characters, a line end included, so callers hand it tags they have validated.
    /// </summary>
    public bool IsMatch(string tag) => Wildcard.IsMatch(Text, tag);

    public override string ToString() => Text;
}
