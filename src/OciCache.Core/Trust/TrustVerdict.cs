namespace OciCache.Trust;

/// <summary>What a <c>Trust:Policies</c> rule does with an image that is not signed by one of its keys.</summary>
public enum TrustMode
{
    /// <summary>The rule is listed but checks nothing.</summary>
    Off,

    /// <summary>The image is served; the failure is logged, audited (<c>trust.warn</c>) and counted.</summary>
    Warn,

    /// <summary>The image is refused: 403 DENIED naming the rule, <c>trust.deny</c> in the audit log.</summary>
    Enforce,
}

/// <summary>Where a manifest digest stands against the rule that covers its repository.</summary>
public enum TrustState
{
    /// <summary>No rule covers the repository, or its rule is off: nothing was checked.</summary>
    NotCovered,

    /// <summary>A key of the rule verified a signature over a payload naming the digest (or an index that lists it).</summary>
    Signed,

    /// <summary>No signature was found at all.</summary>
    Unsigned,

    /// <summary>Signatures were found, but none verified with a key of the rule over this digest (the reason says why).</summary>
    Invalid,
}

/// <summary>
/// The outcome of checking one manifest digest of one repository. <see cref="Rule"/> names the rule that
/// covers it (null when <see cref="TrustState.NotCovered"/>), <see cref="KeyName"/> the key that verified a
/// signature (the key file's name without its extension), <see cref="Reason"/> why it is unsigned or invalid.
/// </summary>
public sealed record TrustVerdict(TrustState State, TrustMode Mode, string? Rule, string? KeyName, string? Reason)
{
    public static readonly TrustVerdict NotCovered = new(TrustState.NotCovered, TrustMode.Off, null, null, null);

    /// <summary>True when the image must not be served or stored: an enforcing rule, and not signed.</summary>
    public bool Refuses => Mode == TrustMode.Enforce && State is TrustState.Unsigned or TrustState.Invalid;

    /// <summary>True when the image is served but the failure is to be logged, audited and counted.</summary>
    public bool Warns => Mode == TrustMode.Warn && State is TrustState.Unsigned or TrustState.Invalid;

    /// <summary>Why the image is not signed: the reason found, else that no signature was found (or none verifies).</summary>
    public string Why => Reason ?? (State == TrustState.Unsigned ? "no signature found" : "no signature verifies");

    /// <summary>
    /// The words every refusal and warning uses, wherever the image was checked (a pull, a copy, an export or an
    /// import): <paramref name="subject"/> (<c>sha256:… in site/app</c>), the rule, its mode and <see cref="Why"/>.
    /// </summary>
    public string Describe(string subject) => $"{subject} is not signed by a key of rule \"{Rule}\" ({Mode.ToString().ToLowerInvariant()}): {Why}";
}
