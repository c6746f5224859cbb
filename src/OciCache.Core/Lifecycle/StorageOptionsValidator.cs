using Microsoft.Extensions.Options;

namespace OciCache.Lifecycle;

/// <summary>Checks <c>Storage</c> at start, source-generated from the attributes on <see cref="StorageOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;

/// <summary>The pins of <c>Storage:Pins</c>, which an attribute cannot check one by one, and <c>Storage:S3</c> when it is the backend.</summary>
internal sealed class StorageOptionsRules : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = new List<string>();
        foreach (var pin in options.Pins)
        {
            if (!PinPattern.TryParse(pin, out _, out var pinError))
            {
                errors.Add($"Storage:Pins: '{pin}': {pinError}.");
            }
        }

        if (options.Backend == StorageBackend.S3)
        {
            errors.AddRange(options.S3.Problems());
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
