using Microsoft.Extensions.Options;
using OciCache.Settings;

namespace OciCache.Registry;

/// <summary>Rules on the tags of local repositories (<c>Tags</c> in configuration).</summary>
public sealed record TagOptions : ISettingsSection
{
    /// <summary>
    /// <c>REPOSITORY[:TAG]</c> patterns (<c>site/**:v*</c>): a local tag one of them covers may be created, and
    /// pushed again with the digest it names, but not moved to another digest (403 DENIED). Deleting it
    /// stays a delete, with the delete permission, and is audited. Mirror tags follow their upstream and are
    /// not covered.
    /// </summary>
    public List<string> Immutable { get; set; } = [];
}

/// <summary>The patterns of <c>Tags:Immutable</c>, which must parse, checked at start.</summary>
internal sealed class TagOptionsRules : IValidateOptions<TagOptions>
{
    public ValidateOptionsResult Validate(string? name, TagOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Immutable.Count; i++)
        {
            if (!Oci.RepositoryPattern.TryParseWithTag(options.Immutable[i], out _, out var error))
            {
                errors.Add($"Tags:Immutable:{i}: '{options.Immutable[i]}': {error}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
