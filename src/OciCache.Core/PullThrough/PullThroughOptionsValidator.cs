using Microsoft.Extensions.Options;

namespace OciCache.PullThrough;

/// <summary>
/// Checks <c>Cache</c> at start, source-generated from the attributes on <see cref="PullThroughOptions"/>;
/// each failure names its key.
/// </summary>
[OptionsValidator]
internal sealed partial class PullThroughOptionsValidator : IValidateOptions<PullThroughOptions>;
