using OciCache.Auth;
using OciCache.Telemetry;

namespace OciCache.Hosting;

/// <summary>The checks of the <c>Auth</c> section; each message names its key.</summary>
internal static class AuthSettingsValidator
{
    public static void Check(AuthSettings auth, List<string> errors)
    {
        errors.AddRange(AccessPolicy.Validate(auth));
        if (auth.Htpasswd is { } htpasswd && !File.Exists(htpasswd))
        {
            errors.Add($"Auth:Htpasswd: '{htpasswd}' does not exist (create it with htpasswd -B -c FILE USER).");
        }

        if (string.IsNullOrWhiteSpace(auth.Service) || auth.Service.Contains('"'))
        {
            errors.Add("Auth:Service: the token service name must not be empty nor hold a quote.");
        }

        if (auth.ExternalUrl is { Length: > 0 } external &&
            (!Uri.TryCreate(external, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || external.Contains('"') ||
             url.Query.Length > 0 || url.UserInfo.Length > 0))
        {
            errors.Add($"Auth:ExternalUrl: '{UrlRedaction.Redact(external)}' is not an absolute http or https URL without query or credentials.");
        }

        if (auth.TokenLifetime <= TimeSpan.Zero || auth.TokenLifetime > TimeSpan.FromDays(1))
        {
            errors.Add($"Auth:TokenLifetime: {auth.TokenLifetime} must be more than zero and at most a day (format d.hh:mm:ss).");
        }

        if (auth.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"Auth:RefreshTokenLifetime: {auth.RefreshTokenLifetime} must be more than zero (format d.hh:mm:ss).");
        }

        if (auth.FailedSignIns <= 0)
        {
            errors.Add($"Auth:FailedSignIns: {auth.FailedSignIns} must be more than zero.");
        }

        foreach (var (key, value) in new[] { ("SessionIdleTimeout", auth.SessionIdleTimeout), ("SessionLifetime", auth.SessionLifetime), ("ApiKeyMaxLifetime", auth.ApiKeyMaxLifetime) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Auth:{key}: {value} must be more than zero (format d.hh:mm:ss).");
            }
        }

        if (auth.Oidc is { } oidc)
        {
            CheckOidc(oidc, errors);
        }

        if (auth.AuditLog.MaxBytes <= 0)
        {
            errors.Add($"Auth:AuditLog:MaxBytes: {auth.AuditLog.MaxBytes} must be more than zero.");
        }

        if (auth.AuditLog.Files < 0)
        {
            errors.Add($"Auth:AuditLog:Files: {auth.AuditLog.Files} must not be negative.");
        }
    }

    private static void CheckOidc(OidcSettings oidc, List<string> errors)
    {
        if (!IsBaseUrl(oidc.Issuer))
        {
            errors.Add($"Auth:Oidc:Issuer: '{UrlRedaction.Redact(oidc.Issuer)}' is not an absolute http or https URL without query or credentials.");
        }

        if (string.IsNullOrWhiteSpace(oidc.ClientId))
        {
            errors.Add("Auth:Oidc:ClientId: the client id the issuer knows this server by is required.");
        }

        if (string.IsNullOrEmpty(oidc.ClientSecret))
        {
            errors.Add("Auth:Oidc:ClientSecret: the client's secret is required (a confidential client).");
        }

        if (!oidc.EffectiveScopes.Contains("openid"))
        {
            errors.Add("Auth:Oidc:Scopes: must hold openid.");
        }

        if (string.IsNullOrWhiteSpace(oidc.GroupsClaim))
        {
            errors.Add("Auth:Oidc:GroupsClaim: must name a claim (groups).");
        }

        if (oidc.ExternalUrl is { Length: > 0 } external && !IsBaseUrl(external))
        {
            errors.Add($"Auth:Oidc:ExternalUrl: '{UrlRedaction.Redact(external)}' is not an absolute http or https URL without query or credentials.");
        }
    }

    private static bool IsBaseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && !text.Contains('"') &&
        url.Query.Length == 0 && url.UserInfo.Length == 0;
}
