using Microsoft.Extensions.Options;

namespace OciCache.PullThrough;

/// <summary>Checks <c>Cluster</c> at start, source-generated from the attributes on <see cref="ClusterOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class ClusterOptionsValidator : IValidateOptions<ClusterOptions>;

/// <summary>
/// What attributes cannot state about <c>Cluster</c>: the URL's form, one source of the secret, the file's
/// presence and the secret's length. Messages name the key and never the secret.
/// </summary>
internal sealed class ClusterOptionsRules : IValidateOptions<ClusterOptions>
{
    /// <summary>Fewer characters than this are guessable; 32 random characters are ~190 bits in base64.</summary>
    public const int MinSecretLength = 32;

    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var errors = new List<string>();
        if (options.AdvertiseUrl is { Length: > 0 } url &&
            (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
        {
            errors.Add($"Cluster:AdvertiseUrl: '{url}' is not an absolute http or https URL.");
        }

        if (options.AdvertiseUrl is { Length: > 0 } && options.Secret is not { Length: > 0 } && options.SecretFile is not { Length: > 0 })
        {
            errors.Add("Cluster:Secret: required with Cluster:AdvertiseUrl (or Cluster:SecretFile): the other replicas present it to follow this one's fills.");
        }
        else if (options.Secret is { Length: > 0 } && options.SecretFile is { Length: > 0 })
        {
            errors.Add("Cluster:SecretFile: set Cluster:Secret or Cluster:SecretFile, not both.");
        }
        else if (options.SecretFile is { Length: > 0 } file && !File.Exists(file))
        {
            errors.Add($"Cluster:SecretFile: '{file}' does not exist.");
        }
        else if (options.ReadSecret() is { } secret && secret.Length < MinSecretLength)
        {
            var key = options.Secret is { Length: > 0 } ? "Cluster:Secret" : "Cluster:SecretFile";
            errors.Add($"{key}: the secret has {secret.Length} characters; at least {MinSecretLength} are needed.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
