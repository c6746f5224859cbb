using Microsoft.Extensions.Options;
using OciCache.Settings;

namespace OciCache.Auth;

/// <summary>
/// The checks of <c>Auth</c> that attributes cannot state: the policy compiles, files exist, URLs are base
/// URLs, and the <c>Oidc</c> client is complete. Each message names its key.
/// </summary>
internal sealed class AuthSettingsRules : IValidateOptions<AuthSettings>
{
    public ValidateOptionsResult Validate(string? name, AuthSettings auth)
    {
        var errors = AccessPolicy.Validate(auth);
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

        if (auth.Oidc is { } oidc)
        {
            CheckOidc(oidc, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
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
