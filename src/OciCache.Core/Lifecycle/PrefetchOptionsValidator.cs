using Microsoft.Extensions.Options;
using OciCache.Oci;

namespace OciCache.Lifecycle;

/// <summary>Checks <c>Prefetch</c> at start, source-generated from the attributes on <see cref="PrefetchOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class PrefetchOptionsValidator : IValidateOptions<PrefetchOptions>;

/// <summary>The images of <c>Prefetch:Images</c>, each failure naming the entry's key (<c>Prefetch:Images:0:Tags</c>).</summary>
internal sealed class PrefetchOptionsRules : IValidateOptions<PrefetchOptions>
{
    public ValidateOptionsResult Validate(string? name, PrefetchOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Images.Count; i++)
        {
            var image = options.Images[i];
            if (!ImageReference.TryParse(image.Image, out _))
            {
                errors.Add($"Prefetch:Images:{i}:Image: '{image.Image}' is not an image name.");
            }

            foreach (var tag in image.Tags.Where(t => !t.Contains('*') && !RepositoryName.IsValidTag(t)))
            {
                errors.Add($"Prefetch:Images:{i}:Tags: '{tag}' is not a tag (nor a pattern with *).");
            }

            foreach (var platform in image.Platforms.Where(p => !PlatformFilter.IsValid(p)))
            {
                errors.Add($"Prefetch:Images:{i}:Platforms: '{platform}' is not os/arch[/variant].");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
