using Microsoft.Extensions.Options;

namespace OciCache.Upstream;

/// <summary>Checks <c>UpstreamPolicy</c> at start, source-generated from the attributes on <see cref="UpstreamPolicyOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class UpstreamPolicyOptionsValidator : IValidateOptions<UpstreamPolicyOptions>;

/// <summary>The rule of <c>UpstreamPolicy</c> that spans two keys, which an attribute cannot state.</summary>
internal sealed class UpstreamPolicyOptionsRules : IValidateOptions<UpstreamPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamPolicyOptions options) =>
        options.TotalTimeout < options.ResponseTimeout
            ? ValidateOptionsResult.Fail("UpstreamPolicy:TotalTimeout must be at least UpstreamPolicy:ResponseTimeout.")
            : ValidateOptionsResult.Success;
}
