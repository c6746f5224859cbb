namespace OciCache.Auth;

/// <summary>
/// What a robot account may do: <c>repository:&lt;glob&gt;:&lt;action&gt;[,&lt;action&gt;…]</c>, for example
/// <c>repository:site/*:pull,push</c>. Globs follow the policy grammar (<c>*</c> within one path segment,
/// <c>**</c> across segments); actions are <c>pull</c>, <c>push</c> and <c>delete</c>.
/// </summary>
public sealed record RobotScope(string RepositoryGlob, IReadOnlyList<string> Actions)
{
    /// <summary>Parses the scope text; false (with a reason to print) when it is not of the form above.</summary>
    public static bool TryParse(string text, out RobotScope? scope, out string? error) =>
        throw new NotImplementedException("robots-audit helper");

    public override string ToString() => $"repository:{RepositoryGlob}:{string.Join(',', Actions)}";
}
