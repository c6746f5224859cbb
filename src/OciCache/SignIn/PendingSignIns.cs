using System.Buffers.Text;
using System.Security.Cryptography;
using OciCache.Storage;

namespace OciCache.SignIn;

/// <summary>A sign-in sent to the issuer and not back yet, started from <paramref name="Source"/> (the client's address).</summary>
internal sealed record PendingSignIn(string State, string Nonce, string CodeVerifier, string ReturnUrl, DateTimeOffset StartedAt, string Source);

/// <summary>
/// The sign-ins on their way through the issuer, by <c>state</c>, kept by an <see cref="IPendingSignInStore"/>
/// (in memory by default, in PostgreSQL when the callback may reach another replica): each is taken once (a
/// replayed callback finds nothing, on any replica) and expires after <see cref="Lifetime"/> on the injected
/// clock. The browser also holds the state in a cookie, so a callback started in another browser does not
/// match (login CSRF).
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
internal sealed class PendingSignIns(IPendingSignInStore store, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public const int MaxPending = 10_000;

    public const int MaxPerSource = 100;

    /// <summary>Sign-ins of this process alone, in memory.</summary>
    public PendingSignIns(TimeProvider time)
        : this(new MemoryPendingSignInStore(), time)
    {
    }

    public async ValueTask<PendingSignIn> StartAsync(string returnUrl, string source, CancellationToken cancellationToken = default)
    {
        var pending = new PendingSignIn(Random(), Random(), Pkce.CreateVerifier(), returnUrl, time.GetUtcNow(), source);
        await PutAsync(pending, cancellationToken);
        return pending;
    }

    /// <summary>The sign-in of that state, removed; null when unknown, already taken or expired.</summary>
    public async ValueTask<PendingSignIn?> TakeAsync(string state, CancellationToken cancellationToken = default)
    {
        if (await store.TakeAsync(state, cancellationToken) is not { } row)
        {
            return null;
        }

        return time.GetUtcNow() < row.StartedAt + Lifetime
            ? new PendingSignIn(row.State, row.Nonce, row.CodeVerifier, row.ReturnUrl, row.StartedAt, row.Source)
            : null;
    }

    /// <summary>Puts a sign-in (back) into the store as it is given; tests tamper with a nonce this way.</summary>
    internal async ValueTask PutAsync(PendingSignIn pending, CancellationToken cancellationToken = default)
    {
        var row = new PendingSignInRecord(pending.State, pending.Nonce, pending.CodeVerifier, pending.ReturnUrl, pending.StartedAt, pending.Source);
        await store.AddAsync(row, new PendingSignInBounds(MaxPerSource, MaxPending, time.GetUtcNow() - Lifetime), cancellationToken);
    }

    private static string Random() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
