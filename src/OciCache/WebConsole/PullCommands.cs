using OciCache.Storage;

namespace OciCache.WebConsole;

/// <summary>
/// The pull commands the console offers to copy, for the host and scheme the viewer reached the server at
/// (<c>Auth:ExternalUrl</c> when set). A mirror repository is pulled by its stored name, which routes by its
/// first segment (<c>HOST/docker.io/library/nginx:1.27</c>); over plain HTTP each client is told so.
/// </summary>
internal sealed class PullCommands(string host, bool https)
{
    public static PullCommands From(HttpContext context)
    {
        var external = context.RequestServices.GetRequiredService<Access.AccessControl>() is { Enabled: true } access &&
                       access.Settings.ExternalUrl is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            ? parsed
            : null;
        return external is not null
            ? new PullCommands(external.Authority, external.Scheme == Uri.UriSchemeHttps)
            : new PullCommands(context.Request.Host.Value ?? "localhost", context.Request.IsHttps);
    }

    /// <summary>One command per client: <c>docker</c>, <c>podman</c>, <c>nerdctl</c>, <c>ctr</c>.</summary>
    public IEnumerable<(string Client, string Command)> For(RepositoryRow repository, string tag)
    {
        var image = $"{host}/{repository.Name}:{tag}";
        yield return ("docker", $"docker pull {image}");
        yield return ("podman", https ? $"podman pull {image}" : $"podman pull --tls-verify=false {image}");
        yield return ("nerdctl", https ? $"nerdctl pull {image}" : $"nerdctl pull --insecure-registry {image}");
        // ctr reads no CA on its own: over HTTPS it takes the site CA from the hosts dir (CaHint).
        yield return ("ctr", https ? $"ctr images pull --hosts-dir {HostsDir} {image}" : $"ctr images pull --plain-http {image}");
    }

    /// <summary>containerd's hosts directory, as the rollout writes it.</summary>
    public const string HostsDir = "/etc/containerd/certs.d";

    /// <summary>
    /// Over HTTPS, where each client looks for the site CA (<c>ocicache tls init</c> wrote it to
    /// <c>&lt;data&gt;/tls/ca.crt</c>); null over HTTP.
    /// </summary>
    public string? CaHint => https
        ? $"With the site CA (ocicache tls init wrote it to <data>/tls/ca.crt): copy it to {HostsDir}/{host}/ca.crt for ctr and nerdctl, " +
          $"/etc/docker/certs.d/{host}/ca.crt for docker, /etc/containers/certs.d/{host}/ca.crt for podman."
        : null;

    /// <summary>A referrer's badge by its artifact type: <c>signature</c>, <c>sbom</c>, <c>attestation</c> or <c>artifact</c>.</summary>
    public static string Badge(string? artifactType) => artifactType switch
    {
        null => "artifact",
        _ when artifactType.Contains("cosign", StringComparison.OrdinalIgnoreCase) && artifactType.Contains("sig", StringComparison.OrdinalIgnoreCase) => "signature",
        _ when artifactType.Contains("notary", StringComparison.OrdinalIgnoreCase) || artifactType.Contains("signature", StringComparison.OrdinalIgnoreCase) => "signature",
        _ when artifactType.Contains("spdx", StringComparison.OrdinalIgnoreCase) || artifactType.Contains("cyclonedx", StringComparison.OrdinalIgnoreCase) || artifactType.Contains("sbom", StringComparison.OrdinalIgnoreCase) => "sbom",
        _ when artifactType.Contains("in-toto", StringComparison.OrdinalIgnoreCase) || artifactType.Contains("attestation", StringComparison.OrdinalIgnoreCase) || artifactType.Contains("provenance", StringComparison.OrdinalIgnoreCase) => "attestation",
        _ => "artifact",
    };
}
