namespace OciCache.Auth;

/// <summary>
/// One line of the audit log: who did (or tried) what, from where, to which content, and how it ended.
/// Never carries a password, secret or token; <see cref="Who"/> is an identity name only.
/// </summary>
/// <param name="Action">
/// What was attempted: <c>manifest.push</c>, <c>tag.move</c>, <c>manifest.delete</c>, <c>blob.delete</c>,
/// <c>robot.add</c>, <c>robot.remove</c>, <c>signin</c>, <c>policy.deny</c>.
/// </param>
/// <param name="Result"><c>ok</c>, <c>denied</c>, <c>failed</c> or <c>unauthorized</c>.</param>
public sealed record AuditEvent(string Action, string Result)
{
    /// <summary>The identity (<c>alice</c>, <c>robot$ci</c>) or <c>anonymous</c>; null when none was claimed.</summary>
    public string? Who { get; init; }

    /// <summary>The client's address as the server saw it.</summary>
    public string? Source { get; init; }

    public string? Repository { get; init; }

    /// <summary>A tag or digest as the client gave it.</summary>
    public string? Reference { get; init; }

    public string? Digest { get; init; }

    /// <summary>A short reason (the rule that denied, the tag's previous digest); never a secret.</summary>
    public string? Detail { get; init; }

    /// <summary>How many events this line stands for (repeated denials, aggregated); null for one.</summary>
    public int? Count { get; init; }
}
