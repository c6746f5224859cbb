using OciCache.Settings;

namespace OciCache.PullThrough;

/// <summary>
/// Replicas that share one metadata database (<c>Cluster</c> in configuration): one replica fetches a cold
/// blob from the upstream, and the others follow its fill through <c>GET /_cluster/fills/{digest}</c>
/// (see <see cref="ClusterBlobSource"/>). Unused on a single node.
/// </summary>
public sealed record ClusterOptions : ISettingsSection
{
    /// <summary>This replica's base URL as the other replicas reach it (<c>http://10.0.0.5:5000</c>).</summary>
    public string? AdvertiseUrl { get; set; }

    /// <summary>The secret the replicas share for the internal endpoint; at least 32 characters. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding <see cref="Secret"/> (surrounding whitespace ignored), instead of the value itself.</summary>
    public string? SecretFile { get; set; }

    /// <summary>
    /// How long a replica's claim on a blob fetch lasts unless renewed (it renews every third of it while the
    /// fetch runs). Another replica takes the fetch over only after a dead holder's claim ran out.
    /// </summary>
    [Duration("Cluster")]
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The shared secret: <see cref="Secret"/>, or the content of <see cref="SecretFile"/>; null when neither is set.</summary>
    public string? ReadSecret() =>
        Secret is { Length: > 0 } secret ? secret
        : SecretFile is { Length: > 0 } file ? File.ReadAllText(file).Trim()
        : null;

    /// <summary>The secret stays out of every printed form of the settings.</summary>
    public override string ToString() => $"ClusterOptions {{ AdvertiseUrl = {AdvertiseUrl}, LeaseTimeout = {LeaseTimeout} }}";
}
