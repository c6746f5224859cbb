using System.Text;

namespace OciCache.Storage;

/// <summary>
/// The OIDC sign-ins on their way through the issuer, as rows: in memory for one process
/// (<see cref="MemoryPendingSignInStore"/>), or in PostgreSQL, where the issuer's callback may reach another
/// replica than the one that sent the browser off. Expiry is the host's (<c>SignIn/PendingSignIns</c>); the
/// store takes each row once and keeps the bounds, because only it sees every replica's rows.
/// </summary>
public interface IPendingSignInStore
{
    /// <summary>
    /// Adds the row (one of the same state is replaced). Anyone may start a sign-in, so the rows are bounded
    /// twice and a flood only costs its own source: a source that holds <see cref="PendingSignInBounds.PerSource"/>
    /// loses its own oldest; past <see cref="PendingSignInBounds.Overall"/> rows, those started at or before
    /// <see cref="PendingSignInBounds.ExpiredBy"/> go first, then the oldest of the source that holds the most.
    /// </summary>
    Task AddAsync(PendingSignInRecord signIn, PendingSignInBounds bounds, CancellationToken cancellationToken);

    /// <summary>The row of that state, removed (at most one caller on any replica gets it), or null.</summary>
    Task<PendingSignInRecord?> TakeAsync(string state, CancellationToken cancellationToken);
}

/// <summary>A pending sign-in's row; <paramref name="Nonce"/> and <paramref name="CodeVerifier"/> (PKCE) are secrets, never logged.</summary>
public sealed record PendingSignInRecord(string State, string Nonce, string CodeVerifier, string ReturnUrl, DateTimeOffset StartedAt, string Source)
{
    /// <summary>Leaves the state, nonce and verifier out of <c>ToString</c>, should a row ever reach a log.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Source = {Source}, StartedAt = {StartedAt:O}");
        return true;
    }
}

/// <summary>The bounds of <see cref="IPendingSignInStore.AddAsync"/>.</summary>
public readonly record struct PendingSignInBounds(int PerSource, int Overall, DateTimeOffset ExpiredBy);
