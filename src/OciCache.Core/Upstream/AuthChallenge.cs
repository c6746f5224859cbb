namespace OciCache.Upstream;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header: a scheme and its parameters. Parsed leniently,
/// because registries in the wild send unquoted values, omit <c>service</c>, or send a bare realm.
/// </summary>
/// <remarks>RFC 9110 §11.6.1; Docker token auth: https://distribution.github.io/distribution/spec/auth/token/</remarks>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>Every challenge in the given header values, in order; malformed pieces are skipped.</summary>
    public static IReadOnlyList<AuthChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var challenges = new List<AuthChallenge>();
        foreach (var value in headerValues)
        {
            Parse(value, challenges);
        }

        return challenges;
    }

    private static void Parse(string header, List<AuthChallenge> into)
    {
        var i = 0;
        string? scheme = null;
        Dictionary<string, string>? parameters = null;
        while (i < header.Length)
        {
            SkipSeparators(header, ref i);
            var token = ReadToken(header, ref i);
            if (token.Length == 0)
            {
                i++; // stray character: skip it
                continue;
            }

            SkipSpaces(header, ref i);
            if (i < header.Length && header[i] == '=' && scheme is not null)
            {
                i++;
                SkipSpaces(header, ref i);
                parameters![token.ToLowerInvariant()] = ReadValue(header, ref i);
                continue;
            }

            // A token not followed by '=' starts a new challenge.
            if (scheme is not null)
            {
                into.Add(new AuthChallenge(scheme, parameters!));
            }

            scheme = token;
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }

        if (scheme is not null)
        {
            into.Add(new AuthChallenge(scheme, parameters!));
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or ',' or '=' or '"'))
        {
            i++;
        }

        return s[start..i];
    }

    private static string ReadValue(string s, ref int i)
    {
        if (i < s.Length && s[i] == '"')
        {
            i++;
            var value = new System.Text.StringBuilder();
            while (i < s.Length && s[i] != '"')
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                }

                value.Append(s[i++]);
            }

            i++; // closing quote (or end)
            return value.ToString();
        }

        var start = i;
        while (i < s.Length && s[i] != ',')
        {
            i++;
        }

        return s[start..i].Trim();
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
        {
            i++;
        }
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }
}
