using OciCache.Oci;

namespace OciCache.Auth;

/// <summary>
/// Turns a user name and password into an <see cref="Identity"/>: <c>robot$NAME</c> and the robot's secret
/// (<see cref="IRobotAccounts"/>), a user name and one of that person's API keys (<see cref="IApiKeys"/>, the
/// password of Docker clients: <c>skopeo --creds alice:ocikey_…</c>), or a user of the htpasswd file. Every failure looks the same to the client,
/// counts against the source address (<see cref="SignInLimiter"/>), and is one <c>signin</c> audit event;
/// an address past its limit gets 429 before anything is compared.
/// </summary>
internal sealed class CredentialVerifier(
    HtpasswdFile? users, IRobotAccounts? robots, SignInLimiter limiter, AuditTrail audit, TimeProvider time, IApiKeys? keys = null)
{
    /// <exception cref="RegistryException">429 TOOMANYREQUESTS: too many failures from this address in the last minute.</exception>
    public async ValueTask<Identity?> VerifyAsync(string user, string password, string source, CancellationToken cancellationToken)
    {
        if (limiter.IsBlocked(source, out var retryAfter))
        {
            throw new RegistryException(OciErrorCode.TooManyRequests, "too many failed sign-ins from this address", "try again later")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString() },
            };
        }

        var identity = await CheckAsync(user, password, cancellationToken);
        if (identity is null)
        {
            limiter.RecordFailure(source);
            audit.Write(new AuditEvent("signin", "failed") { Who = user, Source = source, Detail = "wrong user name or password" });
        }

        return identity;
    }

    /// <summary>
    /// The identity a token's subject names, when it still exists (a refresh, a 401 or 403 decision): with
    /// <paramref name="apiKey"/>, the key's identity while the key exists and has not expired.
    /// </summary>
    public async ValueTask<Identity?> FindAsync(string subject, CancellationToken cancellationToken, string? apiKey = null)
    {
        if (apiKey is not null)
        {
            return keys is not null && await keys.FindAsync(apiKey, cancellationToken) is { } key && key.User == subject ? key.ToIdentity() : null;
        }

        if (subject.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal))
        {
            if (robots is null)
            {
                return null;
            }

            var name = subject[RobotAccount.UserNamePrefix.Length..];
            var account = (await robots.ListAsync(cancellationToken)).FirstOrDefault(r => r.Name == name);
            return account is null || account.ExpiresAt <= time.GetUtcNow() ? null : Identity.Robot(account);
        }

        return users?.Contains(subject) == true ? Identity.User(subject) : null;
    }

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
            return keys is not null && await keys.VerifyAsync(user, password, cancellationToken) is { } key ? key.ToIdentity() : null;
        }

        return users is not null && users.Verify(user, password) ? Identity.User(user) : null;
    }
}
