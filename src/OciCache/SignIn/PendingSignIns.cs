using System.Buffers.Text;
using System.Security.Cryptography;

namespace OciCache.SignIn;

/// <summary>A sign-in sent to the issuer and not back yet, started from <paramref name="Source"/> (the client's address).</summary>
internal sealed record PendingSignIn(string State, string Nonce, string CodeVerifier, string ReturnUrl, DateTimeOffset StartedAt, string Source);

/// <summary>
/// The sign-ins on their way through the issuer, by <c>state</c>, in memory: each is taken once (a replayed
/// callback finds nothing) and expires after <see cref="Lifetime"/> on the injected clock. The browser also
/// holds the state in a cookie, so a callback started in another browser does not match (login CSRF).
/// </summary>
/// <remarks>
/// Anyone may start a sign-in, so the store is bounded twice, and a flood only ever costs its own source:
/// <list type="bullet">
/// <item>each source address (as the sign-in limiter sees it) holds at most <see cref="MaxPerSource"/>; its
/// next sign-in replaces its own oldest;</item>
/// <item>all together hold at most <see cref="MaxPending"/>; past that, expired ones go first, then the
/// oldest of the address that holds the most. A person's one pending sign-in goes only once every address
/// holds no more than one.</item>
/// </list>
/// </remarks>
internal sealed class PendingSignIns(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public const int MaxPending = 10_000;

    public const int MaxPerSource = 100;

    private readonly Dictionary<string, PendingSignIn> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PendingSignIn>> _bySource = new(StringComparer.Ordinal); // oldest first

    public PendingSignIn Start(string returnUrl, string source)
    {
        var pending = new PendingSignIn(Random(), Random(), Pkce.CreateVerifier(), returnUrl, time.GetUtcNow(), source);
        Put(pending);
        return pending;
    }

    /// <summary>The sign-in of that state, removed; null when unknown, already taken or expired.</summary>
    public PendingSignIn? Take(string state)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(state, out var pending))
            {
                return null;
            }

            Remove(pending);
            return time.GetUtcNow() < pending.StartedAt + Lifetime ? pending : null;
        }
    }

    /// <summary>Puts a sign-in (back) into the store as it is given; tests tamper with a nonce this way.</summary>
    internal void Put(PendingSignIn pending)
    {
        lock (_pending)
        {
            if (_pending.TryGetValue(pending.State, out var previous))
            {
                Remove(previous);
            }

            if (!_bySource.TryGetValue(pending.Source, out var own))
            {
                _bySource[pending.Source] = own = [];
            }

            if (own.Count >= MaxPerSource)
            {
                Remove(own[0]);
            }
            else if (_pending.Count >= MaxPending)
            {
                MakeRoom(time.GetUtcNow());
            }

            own.Add(pending);
            _pending[pending.State] = pending;
        }
    }

    private void MakeRoom(DateTimeOffset now)
    {
        foreach (var own in _bySource.Values.ToList())
        {
            while (own.Count > 0 && now >= own[0].StartedAt + Lifetime)
            {
                Remove(own[0]);
            }
        }

        if (_pending.Count >= MaxPending)
        {
            Remove(_bySource.Values.MaxBy(own => own.Count)![0]);
        }
    }

    private void Remove(PendingSignIn pending)
    {
        _pending.Remove(pending.State);
        var own = _bySource[pending.Source];
        own.Remove(pending);
        if (own.Count == 0)
        {
            _bySource.Remove(pending.Source);
        }
    }

    private static string Random() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
