namespace OciCache.Benchmarks.Infra;

/// <summary>
/// Where each part runs. With the WAN (the default) <c>benchmarks/netns.sh</c> has built three network
/// namespaces and this process runs in the client one:
/// <code>
///  ocb-client 10.90.1.2 ──LAN veth── 10.90.1.1 ocb-site 10.90.2.1 ──WAN veth, tbf both ways── 10.90.2.2 ocb-up
///  (this harness, containerd,          (OciCache :5000, distribution        (relay :8080, one-way delay
///   ctr, skopeo, curl, wrk)              proxy :5001)                         → registry 127.0.0.1:5000)
/// </code>
/// Without it (<c>--no-wan</c>) everything listens on 127.0.0.1 of this namespace on free ports.
/// The names and addresses are the ones netns.sh uses.
/// </summary>
internal sealed class Topology
{
    public const string SiteNamespace = "ocb-site";
    public const string UpstreamNamespace = "ocb-up";
    public const string WanInterface = "ocb-wan-u";
    public const string LanRoute = "10.90.1.0/24";
    public const string SiteWanAddress = "10.90.2.1";

    private Topology(bool wan, string siteAddress, string upstreamAddress, int rateMbit, int oneWayDelayMs)
    {
        Wan = wan;
        SiteAddress = siteAddress;
        UpstreamAddress = upstreamAddress;
        RateMbit = rateMbit;
        OneWayDelayMs = oneWayDelayMs;
    }

    public bool Wan { get; }

    /// <summary>Where the caches listen (the LAN address of the site namespace).</summary>
    public string SiteAddress { get; }

    /// <summary>The upstream as seen from the site and the clients: the relay's address.</summary>
    public string UpstreamAddress { get; }

    public int RateMbit { get; }

    public int OneWayDelayMs { get; }

    public string? SiteNetns => Wan ? SiteNamespace : null;

    public string? UpstreamNetns => Wan ? UpstreamNamespace : null;

    public string Describe => Wan
        ? $"emulated WAN: {RateMbit} Mbit/s each way (tbf on the WAN veth), {2 * OneWayDelayMs} ms RTT (relay delay {OneWayDelayMs} ms each way)"
        : "loopback, no WAN emulation";

    public static Topology WithWan(int rateMbit, int oneWayDelayMs) =>
        new(true, "10.90.1.1", "10.90.2.2", rateMbit, oneWayDelayMs);

    public static Topology Loopback() => new(false, "127.0.0.1", "127.0.0.1", 0, 0);

    /// <summary>Takes the WAN's rate limit off (the delay stays) or puts it back.</summary>
    public async Task SetRateLimitAsync(bool on)
    {
        if (!Wan)
        {
            return;
        }

        string[] tbf = ["tbf", "rate", $"{RateMbit}mbit", "burst", "64kb", "latency", "50ms"];
        await Exec.CheckedAsync(UpstreamNetns, "tc", on ? ["qdisc", "replace", "dev", WanInterface, "root", .. tbf] : ["qdisc", "del", "dev", WanInterface, "root"]);
        await Exec.CheckedAsync(SiteNetns, "tc", on ? ["qdisc", "replace", "dev", "ocb-wan-s", "root", .. tbf] : ["qdisc", "del", "dev", "ocb-wan-s", "root"]);
    }

    /// <summary>
    /// Cuts the WAN as an outage does: the upstream end of the link goes down, so packets from the site
    /// vanish without an answer (connects time out; nothing is refused).
    /// </summary>
    public async Task CutWanAsync(bool cut)
    {
        await Exec.CheckedAsync(UpstreamNetns, "ip", ["link", "set", WanInterface, cut ? "down" : "up"]);
        if (!cut)
        {
            await Exec.CheckedAsync(UpstreamNetns, "ip", ["route", "replace", LanRoute, "via", SiteWanAddress]);
        }
    }
}
