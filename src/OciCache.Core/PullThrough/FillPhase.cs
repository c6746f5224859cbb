namespace OciCache.PullThrough;

/// <summary>
/// Where a fill is: one value, changed only by <see cref="FillProgress"/> under its lock.
/// <code>
///  Connecting ──headers──▶ Filling ──disk refused bytes──▶ Relaying
///      │                     │  └────────────┐               │
///      │                     ▼ all bytes      ▼               ▼ all bytes hash to the digest
///      │                  Verified ──commit──▶ Published     Verified ──▶ Unkept
///      │                     └─commit failed─▶ Unkept
///      └──────── any phase before Verified ──▶ Failed (upstream error, stall, wrong bytes, abandoned)
/// </code>
/// </summary>
internal enum FillPhase
{
    /// <summary>Waiting for the upstream's response headers.</summary>
    Connecting,

    /// <summary>Bytes arrive and go to the temp file; readers follow it.</summary>
    Filling,

    /// <summary>The disk refused bytes: the rest passes through the relay window only and will not be kept.</summary>
    Relaying,

    /// <summary>Every byte arrived and hashed to the digest: readers may read the last byte.</summary>
    Verified,

    /// <summary>Committed under its digest and recorded (terminal).</summary>
    Published,

    /// <summary>Delivered intact to its readers but not kept: it was relayed, or the commit failed (terminal).</summary>
    Unkept,

    /// <summary>The fetch failed; readers are cut off and nothing is kept (terminal).</summary>
    Failed,
}

internal static class FillPhaseExtensions
{
    /// <summary>Every byte is readable, the last one included.</summary>
    public static bool IsComplete(this FillPhase phase) => phase is FillPhase.Verified or FillPhase.Published or FillPhase.Unkept;
}
