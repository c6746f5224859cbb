using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace OciCache.SignIn;

/// <summary>A sign-in sent to the issuer and not back yet.</summary>
internal sealed record PendingSignIn(string State, string Nonce, string CodeVerifier, string ReturnUrl, DateTimeOffset StartedAt);

/// <summary>
/// The sign-ins on their way through the issuer, by <c>state</c>, in memory: each is taken once (a replayed
/// callback finds nothing) and expires after <see cref="Lifetime"/> on the injected clock. The browser also
/// holds the state in a cookie, so a callback started in another browser does not match (login CSRF).
/// </summary>
internal sealed class PendingSignIns(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public const int MaxPending = 10_000;

    private readonly ConcurrentDictionary<string, PendingSignIn> _pending = new(StringComparer.Ordinal);

    public PendingSignIn Start(string returnUrl)
    {
        var now = time.GetUtcNow();
        if (_pending.Count >= MaxPending)
        {
            foreach (var old in _pending.Values.Where(p => now >= p.StartedAt + Lifetime || _pending.Count >= MaxPending))
            {
                _pending.TryRemove(old.State, out _);
            }
        }

        var pending = new PendingSignIn(Random(), Random(), Pkce.CreateVerifier(), returnUrl, now);
        _pending[pending.State] = pending;
        return pending;
    }

    /// <summary>The sign-in of that state, removed; null when unknown, already taken or expired.</summary>
    public PendingSignIn? Take(string state) =>
        _pending.TryRemove(state, out var pending) && time.GetUtcNow() < pending.StartedAt + Lifetime ? pending : null;

    /// <summary>Puts a sign-in (back) into the store as it is given; tests tamper with a nonce this way.</summary>
    internal void Put(PendingSignIn pending) => _pending[pending.State] = pending;

    private static string Random() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
