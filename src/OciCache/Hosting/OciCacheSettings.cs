using System.Text.Json.Serialization;
using OciCache.Auth;
using OciCache.Settings;
using OciCache.Tls;

namespace OciCache.Hosting;

/// <summary>
/// Every setting of <c>ocicache serve</c>, bound (by the configuration binder's source generator) from,
/// lowest to highest precedence: defaults in code, the JSON file given with <c>--config</c>, environment
/// variables prefixed <c>OCICACHE_</c> (<c>__</c> separates sections), and command-line flags. The core's
/// sections come from <see cref="OciCacheCoreOptions"/>; these are the host's own.
/// </summary>
public sealed record OciCacheSettings : OciCacheCoreOptions
{
    /// <summary><c>HOST:PORT</c> to listen on; <c>0.0.0.0</c> or <c>*</c> for every interface, port 0 for any free port.</summary>
    [JsonPropertyOrder(-1)] // config check prints Listen first, the host's other sections after the core's
    public string Listen { get; set; } = "0.0.0.0:5000";

    [JsonPropertyOrder(1)]
    public LogSettings Log { get; set; } = new();

    /// <summary>HTTPS on <see cref="Listen"/>: PEM certificate and key files, both or neither.</summary>
    [JsonPropertyOrder(1)]
    public TlsSettings Tls { get; set; } = new();

    /// <summary>Access control: users, groups, policies, tokens, audit log. Null (no <c>Auth</c> section): off, anyone may push and delete.</summary>
    [JsonPropertyOrder(1)]
    public AuthSettings? Auth { get; set; }
}

public sealed record LogSettings : ISettingsSection
{
    /// <summary><c>text</c> (readable console lines) or <c>json</c> (compact JSON, one event a line).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Minimum level: Verbose, Debug, Information, Warning, Error or Fatal. Information logs one line per request.</summary>
    public string Level { get; set; } = "Information";
}
