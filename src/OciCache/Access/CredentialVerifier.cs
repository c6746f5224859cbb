using OciCache.Auth;
using OciCache.Oci;

namespace OciCache.Access;

/// <summary>
/// Turns a user name and password into an <see cref="Identity"/>: <c>robot$NAME</c> and the robot's secret
/// (<see cref="IRobotAccounts"/>), a user name and one of that person's API keys (<see cref="IApiKeys"/>, the
/// password of Docker clients: <c>skopeo --creds alice:ocikey_…</c>), or a user of the htpasswd file. Every failure looks the same to the client,
/// counts against the source address (<see cref="SignInLimiter"/>), and is one <c>signin</c> audit event;
/// an address past its limit gets 429 before anything is compared.
/// <para>
/// A key works only while its person exists (<see cref="PersonHolds"/>): an htpasswd user while the file has
/// them, a person of the OIDC issuer within <c>Auth:ApiKeyMaxLifetime</c> of the sign-in that made the key
/// (the issuer is asked only at sign-in; an admin removes a person at once). An identity of a password or robot
/// secret carries that secret's fingerprint (<see cref="Identity.Credential"/>), so tokens and console sessions
/// end when the secret changes (<see cref="StillHoldsAsync"/>).
/// </para>
/// </summary>
internal sealed class CredentialVerifier(
    HtpasswdFile? users, IRobotAccounts? robots, SignInLimiter limiter, AuditTrail audit, TimeProvider time, IApiKeys? keys = null,
    TimeSpan? apiKeyMaxLifetime = null)
{
    private readonly TimeSpan _apiKeyMaxLifetime = apiKeyMaxLifetime ?? new AuthSettings().ApiKeyMaxLifetime;

    /// <exception cref="FailureException"><see cref="TooManyRequests"/>: too many failures from this address in the last minute.</exception>
    public async ValueTask<Identity?> VerifyAsync(string user, string password, string source, CancellationToken cancellationToken)
    {
        if (await limiter.RetryAfterAsync(source, cancellationToken) is { } retryAfter)
        {
            throw new FailureException(new TooManyRequests("too many failed sign-ins from this address", "try again later", retryAfter));
        }

        var identity = await CheckAsync(user, password, cancellationToken);
        if (identity is null)
        {
            await limiter.RecordFailureAsync(source, CancellationToken.None); // counted even when the client gave up
            audit.Write(new AuditEvent("signin", "failed") { Who = user, Source = source, Detail = "wrong user name or password" });
        }

        return identity;
    }

    /// <summary>
    /// The identity a token's subject names, when it still exists (a refresh, a 401 or 403 decision): with
    /// <paramref name="apiKey"/>, the key's identity while the key exists, has not expired and its person exists.
    /// The identity carries its secret's fingerprint as it is now (<see cref="Identity.Credential"/>).
    /// </summary>
    public async ValueTask<Identity?> FindAsync(string subject, CancellationToken cancellationToken, string? apiKey = null)
    {
        if (apiKey is not null)
        {
            return keys is not null && await keys.FindAsync(apiKey, cancellationToken) is { } key && key.User == subject && PersonHolds(key)
                ? key.ToIdentity()
                : null;
        }

        if (subject.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal))
        {
            return robots is not null && await robots.FindAsync(subject[RobotAccount.UserNamePrefix.Length..], cancellationToken) is { } account
                ? Identity.Robot(account)
                : null;
        }

        return users?.Fingerprint(subject) is { } credential ? Identity.User(subject) with { Credential = credential } : null;
    }

    /// <summary>
    /// Whether an identity proven earlier (a token's subject, a console session's person) holds now: it still
    /// exists, with the same secret it signed in with (a changed password or a robot added again ends it). A
    /// person of the OIDC issuer holds until an admin removes them (<see cref="ConsoleSessions.EndAllOfAsync"/>).
    /// </summary>
    public async ValueTask<bool> StillHoldsAsync(Identity identity, CancellationToken cancellationToken)
    {
        if (identity.FromIssuer && identity.ApiKeyId is null)
        {
            return true;
        }

        return await FindAsync(identity.Name, cancellationToken, identity.ApiKeyId) is { } now && now.Credential == identity.Credential;
    }

    /// <summary>
    /// The identity a token was issued to, as it is now, when it still holds: the subject exists (its API key
    /// too, with its person) and signed in with the secret it has now (<see cref="TokenClaims.Credential"/>).
    /// </summary>
    public async ValueTask<Identity?> HolderAsync(TokenClaims claims, CancellationToken cancellationToken) =>
        claims.Subject.Length > 0 && await FindAsync(claims.Subject, cancellationToken, claims.ApiKey) is { } now && now.Credential == claims.Credential
            ? now
            : null;

    /// <summary>
    /// Whether the person of <paramref name="key"/> still exists: an htpasswd user while the file has them; a
    /// person of the OIDC issuer within <c>Auth:ApiKeyMaxLifetime</c> of the sign-in that made the key.
    /// </summary>
    private bool PersonHolds(ApiKey key) =>
        key.FromIssuer ? time.GetUtcNow() < key.CreatedAt + _apiKeyMaxLifetime : users?.Contains(key.User) == true;

    private async ValueTask<Identity?> CheckAsync(string user, string password, CancellationToken cancellationToken)
    {
        if (user.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal))
        {
            var account = robots is null || password.Length == 0
                ? null
                : await robots.VerifyAsync(user[RobotAccount.UserNamePrefix.Length..], password, cancellationToken);
            return account is null ? null : Identity.Robot(account);
        }

        if (ApiKeySecret.IdOf(password) is not null)
        {
            return keys is not null && await keys.VerifyAsync(user, password, cancellationToken) is { } key && PersonHolds(key) ? key.ToIdentity() : null;
        }

        return users is not null && users.Verify(user, password) && users.Fingerprint(user) is { } credential
            ? Identity.User(user) with { Credential = credential }
            : null;
    }
}
