using System.Text;

namespace OciCache.Tests.Architecture;

/// <summary>
/// Blanks the comments and the string and character literals of C# source with spaces, keeping every
/// newline, so a regular expression over the result sees only code and a match's offset still gives its
/// line. Handles <c>//</c>, <c>/* */</c>, regular, verbatim (<c>@""</c>), interpolated (<c>$""</c>, the
/// holes are blanked too) and raw (<c>"""</c>) strings, and character literals (<c>'"'</c>).
/// </summary>
internal static class CSharpText
{
    public static string BlankCommentsAndStrings(string source)
    {
        var code = new StringBuilder(source);
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            var next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                i = Blank(code, source, i, source.IndexOf('\n', i) is var end and >= 0 ? end : source.Length);
            }
            else if (c == '/' && next == '*')
            {
                i = Blank(code, source, i, source.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : source.Length);
            }
            else if (c == '\'')
            {
                i = Blank(code, source, i, EndOfQuoted(source, i + 1, '\'', verbatim: false));
            }
            else if (c == '"' || ((c is '$' or '@') && StringStartsAt(source, i)))
            {
                i = Blank(code, source, i, EndOfString(source, i));
            }
            else
            {
                i++;
            }
        }

        return code.ToString();
    }

    /// <summary>The offset of the first character of each line, for turning a match's offset into its line.</summary>
    public static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }

    /// <summary>The 1-based line of <paramref name="offset"/>.</summary>
    public static int LineOf(int[] lineStarts, int offset)
    {
        var index = Array.BinarySearch(lineStarts, offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private static bool StringStartsAt(string source, int i)
    {
        // $" @" $@" @$" $$"""…: prefixes of a string literal, not an identifier's '@' or an interpolation's '$' inside code.
        if (i > 0 && (char.IsLetterOrDigit(source[i - 1]) || source[i - 1] == '_'))
        {
            return false;
        }

        var j = i;
        while (j < source.Length && source[j] is '$' or '@')
        {
            j++;
        }

        return j < source.Length && source[j] == '"';
    }

    private static int EndOfString(string source, int start)
    {
        var i = start;
        var verbatim = false;
        while (source[i] is '$' or '@')
        {
            verbatim |= source[i] == '@';
            i++;
        }

        var quotes = 0;
        while (i + quotes < source.Length && source[i + quotes] == '"')
        {
            quotes++;
        }

        if (quotes >= 3)
        {
            var close = new string('"', quotes);
            var end = source.IndexOf(close, i + quotes, StringComparison.Ordinal);
            return end >= 0 ? end + quotes : source.Length;
        }

        if (quotes == 2 && !verbatim)
        {
            return i + 2; // ""
        }

        return EndOfQuoted(source, i + 1, '"', verbatim);
    }

    private static int EndOfQuoted(string source, int i, char quote, bool verbatim)
    {
        while (i < source.Length)
        {
            if (!verbatim && source[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (source[i] == quote)
            {
                if (verbatim && i + 1 < source.Length && source[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            if (!verbatim && source[i] == '\n')
            {
                return i; // an unterminated literal ends at its line, so one mistake cannot blank the rest of the file
            }

            i++;
        }

        return source.Length;
    }

    private static int Blank(StringBuilder code, string source, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (source[i] != '\n' && source[i] != '\r')
            {
                code[i] = ' ';
            }
        }

        return to;
    }
}
