namespace OciCache.Upstream;

/// <summary>
/// "Contact no upstream": set from <c>Cache:Offline</c> at start and switched at runtime (the admin API).
/// While on, every upstream request fails at once as <see cref="UpstreamFailureKind.Offline"/> without a
/// connection, cached tags are served without revalidation, and what is not cached answers 404 at once, so
/// containerd moves on to its next host.
/// </summary>
public sealed class OfflineSwitch(bool initial)
{
    private volatile bool _on = initial;

    public bool IsOn => _on;

    public void Set(bool on) => _on = on;

    public static readonly UpstreamFailure Failure =
        new(UpstreamFailureKind.Offline, "the cache is offline (Cache:Offline): no upstream is contacted");
}
