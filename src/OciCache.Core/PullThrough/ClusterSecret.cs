using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace OciCache.PullThrough;

/// <summary>
/// The secret the replicas share for <c>/_cluster/</c> (<see cref="ClusterOptions.Secret"/> or its file), read
/// once. It checks a presented <c>Authorization</c> header in constant time (both sides hashed first, so not
/// even the length leaks) and gives <see cref="PeerClient"/> the header to send. It has no text form.
/// </summary>
public sealed class ClusterSecret
{
    private readonly string? _secret;
    private readonly byte[]? _hash;

    public ClusterSecret(ClusterOptions options)
    {
        _secret = options.ReadSecret();
        _hash = _secret is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(_secret));
    }

    /// <summary>False on a single node: the internal endpoint then answers 404, and nothing is sent to peers.</summary>
    public bool IsSet => _hash is not null;

    /// <summary>Whether <paramref name="authorization"/> is <c>Bearer &lt;the secret&gt;</c>.</summary>
    public bool Matches(string? authorization)
    {
        const string scheme = "Bearer ";
        if (_hash is null || authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _hash);
    }

    internal AuthenticationHeaderValue? Header => _secret is null ? null : new AuthenticationHeaderValue("Bearer", _secret);

    public override string ToString() => IsSet ? "(cluster secret)" : "(no cluster secret)";
}
