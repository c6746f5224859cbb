using OciCache.Settings;

namespace OciCache.Trust;

/// <summary>
/// Signature policies (<c>Trust</c> in configuration): ordered rules, the first whose repository patterns match
/// covering a repository, and how often their key files are looked at again.
/// </summary>
public sealed record TrustOptions : ISettingsSection
{
    /// <summary>The rules in order; the first that matches a repository is the one that covers it.</summary>
    public List<TrustRule> Policies { get; set; } = [];

    /// <summary>How often every rule's key files and directories are stat-ed again (a new, changed or removed key takes effect).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a verdict that is not signed (unsigned, invalid) is kept: a signature that appears upstream
    /// later is seen after this at the latest. A push to the repository drops those verdicts at once.
    /// </summary>
    public TimeSpan UnsignedRecheck { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>One signature rule: which repositories, which keys, and what happens to an image they did not sign.</summary>
public sealed record TrustRule : ISettingsSection
{
    /// <summary>Shown in refusals, logs and the audit log; default <c>rule-&lt;index&gt;</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Repository patterns over stored names (<c>site/**</c>, <c>docker.io/library/*</c>), as access policies take them.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>PEM public key files, or directories whose <c>*.pub</c> and <c>*.pem</c> files are all keys.</summary>
    public List<string> Keys { get; set; } = [];

    public TrustMode Mode { get; set; } = TrustMode.Enforce;

    /// <summary>The rule's name as configured, or <c>rule-&lt;index&gt;</c>.</summary>
    public string NameOrDefault(int index) => string.IsNullOrWhiteSpace(Name) ? $"rule-{index}" : Name;
}
