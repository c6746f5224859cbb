namespace OciCache.Auth;

/// <summary>What a caller may do to a repository: the actions of distribution's token scopes.</summary>
[Flags]
public enum AccessActions
{
    None = 0,
    Pull = 1,
    Push = 2,
    Delete = 4,
    All = Pull | Push | Delete,
}

public static class AccessActionNames
{
    /// <summary>
    /// One action as written in settings, robot scopes and token scopes (<c>pull</c>, <c>push</c>,
    /// <c>delete</c>); <c>*</c> is every action (distribution's wildcard, asked by skopeo for deletes)
    /// and <c>none</c> is none (a rule or anonymous entry that grants nothing).
    /// </summary>
    public static bool TryParse(string text, out AccessActions action)
    {
        action = text.Trim().ToLowerInvariant() switch
        {
            "pull" => AccessActions.Pull,
            "push" => AccessActions.Push,
            "delete" => AccessActions.Delete,
            "*" => AccessActions.All,
            "none" => AccessActions.None,
            _ => (AccessActions)(-1),
        };
        return (int)action >= 0;
    }

    /// <summary>The actions of a list; false with the first that is none of the above.</summary>
    public static bool TryParse(IEnumerable<string> texts, out AccessActions actions, out string? invalid)
    {
        actions = AccessActions.None;
        invalid = null;
        foreach (var text in texts)
        {
            if (!TryParse(text, out var one))
            {
                invalid = text;
                return false;
            }

            actions |= one;
        }

        return true;
    }

    /// <summary>The actions in the order distribution writes them, for an <c>access</c> claim or a scope.</summary>
    public static List<string> Names(this AccessActions actions)
    {
        var names = new List<string>(3);
        if (actions.HasFlag(AccessActions.Pull))
        {
            names.Add("pull");
        }

        if (actions.HasFlag(AccessActions.Push))
        {
            names.Add("push");
        }

        if (actions.HasFlag(AccessActions.Delete))
        {
            names.Add("delete");
        }

        return names;
    }
}
