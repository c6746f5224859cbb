namespace OciCache.Oci;

/// <summary>
/// The one character-level rule of <see cref="RepositoryPattern"/> and <see cref="TagPattern"/>: <c>*</c>
/// stands for any run of characters, none included; every other character stands for itself (ordinal, so
/// case counts). The caller hands one path segment or one tag, so a <c>*</c> never reaches past it.
/// </summary>
internal static class Wildcard
{
    /// <summary>Whether <paramref name="pattern"/> covers all of <paramref name="value"/>; no allocation, no regular expression.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value)
    {
        // The usual wildcard walk: on a mismatch, let the last * take one more character. Linear for each *,
        // and nothing a pattern can contain makes it slow.
        int p = 0, v = 0, star = -1, starValue = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starValue = v;
            }
            else if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++starValue;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
