using OciCache.Settings;

namespace OciCache.Upstream;

/// <summary>One registry the cache mirrors, configured under <c>Upstreams:&lt;name&gt;</c>.</summary>
public sealed record UpstreamOptions : ISettingsSection
{
    /// <summary>Base URL of the registry API (<c>https://registry-1.docker.io</c>).</summary>
    public string Url { get; set; } = "";

    /// <summary>Other names that route here: a <c>?ns=</c> value or a first path segment (<c>docker-hub</c>).</summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Credentials for the upstream's token service or Basic auth; never sent anywhere else.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>PEM file of extra CA certificates trusted for this upstream.</summary>
    public string? CaFile { get; set; }

    /// <summary>Accept any TLS certificate. For lab upstreams only.</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary>
    /// When not empty, only what these rules cover is fetched or served: <c>REPOSITORY</c> or
    /// <c>REPOSITORY:TAG</c> patterns (<see cref="UpstreamRule"/>).
    /// </summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>What is never fetched or served, whatever <see cref="Allow"/> says; 403 DENIED naming the rule.</summary>
    public List<string> Deny { get; set; } = [];

    /// <summary>
    /// Hosts (<c>host</c>: any port, or <c>host:port</c>) that this upstream's redirects and token realm may
    /// send the cache to at any address, loopback and private ones included. Needed only for such a host
    /// other than the upstream's own (a registry on the site's network whose storage is on this machine,
    /// or a lab setup); public hosts are allowed anyway (<see cref="DestinationPolicy"/>).
    /// </summary>
    public List<string> RedirectHosts { get; set; } = [];

    /// <summary>
    /// The well-known registries mirrored when no upstream is configured at all. A configuration that names
    /// any upstream replaces this list rather than adding to it.
    /// </summary>
    public static Dictionary<string, UpstreamOptions> Defaults() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["docker.io"] = new() { Url = "https://registry-1.docker.io", Aliases = ["index.docker.io", "registry-1.docker.io", "docker-hub"] },
        ["ghcr.io"] = new() { Url = "https://ghcr.io" },
        ["quay.io"] = new() { Url = "https://quay.io" },
        ["registry.k8s.io"] = new() { Url = "https://registry.k8s.io" },
    };
}
