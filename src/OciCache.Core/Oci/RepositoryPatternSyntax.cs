namespace OciCache.Oci;

/// <summary>
/// What a <see cref="RepositoryPattern"/>'s repository part may contain, with the reason to print when it
/// does not: name characters, <c>*</c> within a segment and <c>**</c> as a whole segment, each segment one
/// that some repository name could have.
/// </summary>
internal static class RepositoryPatternSyntax
{
    /// <summary>Null when <paramref name="pattern"/> is a repository pattern, else why not.</summary>
    public static string? Check(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "the repository pattern is empty";
        }

        if (pattern.Length > RepositoryName.MaxLength)
        {
            return $"the repository pattern is longer than {RepositoryName.MaxLength} characters";
        }

        foreach (var c in pattern)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' or '*'))
            {
                return char.IsAsciiLetterUpper(c)
                    ? $"the repository pattern '{pattern}' has an upper-case letter; repository names are lower case"
                    : $"the repository pattern has the character {Describe(c)}; names have only a-z, 0-9, '.', '_', '-' and '/' (with '*' and '**' as wildcards)";
            }
        }

        foreach (var segment in pattern.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"the repository pattern '{pattern}' has an empty path segment";
            }

            if (segment != "**" && segment.Contains("**", StringComparison.Ordinal))
            {
                return $"the repository pattern '{pattern}' has '**' inside the segment '{segment}'; '**' must be a whole segment (site/**)";
            }

            // Each * may stand for a letter, so the segment must be a valid name component when it does.
            if (segment != "**" && !RepositoryName.IsValid(segment.Replace('*', 'a')))
            {
                return $"the segment '{segment}' of the repository pattern '{pattern}' matches no repository name " +
                       "(a segment starts and ends with a letter or digit; '.', '_', '__' or '-' only between them)";
            }
        }

        return null;
    }

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
