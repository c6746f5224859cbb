using Microsoft.Extensions.Options;

namespace OciCache.Registry;

/// <summary>Checks <c>Uploads</c> at start, source-generated from the attributes on <see cref="UploadOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class UploadOptionsValidator : IValidateOptions<UploadOptions>;
