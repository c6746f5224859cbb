using Microsoft.Extensions.Options;

namespace OciCache.Tls;

/// <summary>Checks <c>Tls:Certificate</c> and <c>Tls:Key</c> at start: both or neither, and a pair that loads.</summary>
internal sealed class TlsSettingsValidator : IValidateOptions<TlsSettings>
{
    public ValidateOptionsResult Validate(string? name, TlsSettings tls)
    {
        if (!tls.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrEmpty(tls.Certificate) || string.IsNullOrEmpty(tls.Key))
        {
            var missing = string.IsNullOrEmpty(tls.Certificate) ? "Tls:Certificate" : "Tls:Key";
            return ValidateOptionsResult.Fail($"{missing}: Tls:Certificate and Tls:Key go together, {missing} is not set.");
        }

        if (CertificateFiles.TryLoad(tls.Certificate, tls.Key, out var error) is not { } loaded)
        {
            return ValidateOptionsResult.Fail(error);
        }

        loaded.Leaf.Dispose();
        return ValidateOptionsResult.Success;
    }
}
