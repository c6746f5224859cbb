namespace OciCache.Auth;

/// <summary>
/// One scope a client asks a token for: <c>repository:&lt;name&gt;:&lt;action&gt;[,&lt;action&gt;…]</c>
/// (distribution's scope grammar). Other resource types (<c>registry:catalog:*</c>) parse too and are granted
/// nothing. Unknown actions are ignored: the grant is the intersection of what was asked and what is allowed.
/// </summary>
/// <remarks>https://distribution.github.io/distribution/spec/auth/scope/</remarks>
public sealed record TokenScope(string Type, string Name, AccessActions Actions)
{
    public static bool TryParse(string text, out TokenScope? scope)
    {
        scope = null;
        var first = text.IndexOf(':');
        var last = text.LastIndexOf(':');
        if (first <= 0 || last == first || last == text.Length - 1)
        {
            return false;
        }

        var actions = AccessActions.None;
        foreach (var name in text[(last + 1)..].Split(','))
        {
            if (AccessActionNames.TryParse(name, out var action))
            {
                actions |= action;
            }
        }

        var type = text[..first];
        var resource = text[(first + 1)..last];
        if (type.EndsWith(')'))
        {
            type = type[..type.IndexOf('(')]; // repository(plugin): the class is not used here
        }

        scope = new TokenScope(type, resource, actions);
        return resource.Length > 0;
    }

    /// <summary>The scopes of query values or a form field: each value may hold several, separated by spaces.</summary>
    public static List<TokenScope> ParseAll(IEnumerable<string?> values)
    {
        var scopes = new List<TokenScope>();
        foreach (var value in values)
        {
            foreach (var text in (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryParse(text, out var scope))
                {
                    scopes.Add(scope!);
                }
            }
        }

        return scopes;
    }

    public override string ToString() => $"{Type}:{Name}:{string.Join(',', Actions.Names())}";
}
