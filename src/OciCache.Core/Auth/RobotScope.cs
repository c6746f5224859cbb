using System.Diagnostics.CodeAnalysis;
using OciCache.Oci;

namespace OciCache.Auth;

/// <summary>
/// What a robot account may do: <c>repository:&lt;glob&gt;:&lt;action&gt;[,&lt;action&gt;…]</c>, for example
/// <c>repository:site/*:pull,push</c>. The pattern is a <see cref="RepositoryPattern"/> (<c>*</c> within one path segment,
/// <c>**</c> across segments), as in access policies; actions are <c>pull</c>, <c>push</c> and <c>delete</c>.
/// </summary>
public sealed record RobotScope(string RepositoryGlob, IReadOnlyList<string> Actions)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    /// <summary>Every action, in the order a scope lists them.</summary>
    public static readonly IReadOnlyList<string> AllActions = [Pull, Push, Delete];

    private const string Prefix = "repository:";

    private RepositoryPattern? _glob;

    /// <summary>
    /// Parses the scope text; false (with a reason to print) when it is not of the form above. Actions are
    /// lower case, <c>*</c> stands for all three; repeated actions count once and are kept in the order
    /// pull, push, delete. Nothing is trimmed: a space or a trailing newline makes the text invalid.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out RobotScope? scope, [NotNullWhen(false)] out string? error)
    {
        scope = null;
        error = Parse(text, out var glob, out var actions);
        if (error is not null)
        {
            error = $"scope '{Printable(text)}': {error}";
            return false;
        }

        scope = new RobotScope(glob!.Text, actions!) { _glob = glob };
        return true;
    }

    /// <summary>Whether <paramref name="repository"/> is one this scope is about; a name that is not valid never is.</summary>
    public bool Matches(string repository) => Glob?.IsMatch(repository) == true;

    /// <summary>Whether this scope grants <paramref name="action"/> (<c>pull</c>, <c>push</c>, <c>delete</c>) on <paramref name="repository"/>.</summary>
    public bool Allows(string repository, string action) =>
        Actions.Contains(action, StringComparer.Ordinal) && Matches(repository);

    public override string ToString() => $"repository:{RepositoryGlob}:{string.Join(',', Actions)}";

    /// <summary>Two scopes are equal when they read the same (the record's default compares the action lists by reference).</summary>
    public bool Equals(RobotScope? other) =>
        other is not null && RepositoryGlob == other.RepositoryGlob && Actions.SequenceEqual(other.Actions, StringComparer.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>
    /// The parsed pattern; built again when the scope was made with the constructor (or <c>with</c>) rather
    /// than <see cref="TryParse"/>, and a pattern that does not parse matches nothing.
    /// </summary>
    private RepositoryPattern? Glob
    {
        get
        {
            if (_glob?.Text != RepositoryGlob)
            {
                _glob = RepositoryPattern.TryParse(RepositoryGlob, out var glob, out _) ? glob : null;
            }

            return _glob;
        }
    }

    private static string? Parse(string text, out RepositoryPattern? glob, out IReadOnlyList<string>? actions)
    {
        glob = null;
        actions = null;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "a scope is repository:<pattern>:<actions>, e.g. repository:site/*:pull,push";
        }

        var rest = text[Prefix.Length..];
        var colon = rest.LastIndexOf(':');
        if (colon < 0)
        {
            return "the actions are missing; a scope is repository:<pattern>:<actions>, e.g. repository:site/*:pull,push";
        }

        if (rest[..colon].Contains(':'))
        {
            return "a repository pattern has no ':'; a scope is repository:<pattern>:<actions>";
        }

        if (!RepositoryPattern.TryParse(rest[..colon], out glob, out var globError))
        {
            return globError;
        }

        return ParseActions(rest[(colon + 1)..], out actions);
    }

    private static string? ParseActions(string list, out IReadOnlyList<string>? actions)
    {
        actions = null;
        if (list.Length == 0)
        {
            return "no actions; give pull, push, delete (comma-separated) or *";
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in list.Split(','))
        {
            if (action == "*")
            {
                wanted.UnionWith(AllActions);
            }
            else if (AllActions.Contains(action, StringComparer.Ordinal))
            {
                wanted.Add(action);
            }
            else
            {
                return action.Length == 0 ? "an empty action in the list (two commas, or one at an end)"
                    : AllActions.Contains(action, StringComparer.OrdinalIgnoreCase) ? $"the action '{action}' must be lower case: {action.ToLowerInvariant()}"
                    : $"'{Printable(action)}' is not an action; actions are pull, push, delete or *";
            }
        }

        actions = [.. AllActions.Where(wanted.Contains)];
        return null;
    }

    /// <summary>The text with control characters shown as escapes, so an error line stays one line.</summary>
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
