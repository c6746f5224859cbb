using Microsoft.Extensions.Options;

namespace OciCache.Lifecycle;

/// <summary>Checks <c>GarbageCollection</c> at start, source-generated from the attributes on <see cref="GarbageCollectionOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class GarbageCollectionOptionsValidator : IValidateOptions<GarbageCollectionOptions>;

/// <summary>Checks <c>Scrub</c> at start, source-generated from the attributes on <see cref="ScrubOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class ScrubOptionsValidator : IValidateOptions<ScrubOptions>;
