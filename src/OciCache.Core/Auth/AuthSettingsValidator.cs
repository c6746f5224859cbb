using Microsoft.Extensions.Options;

namespace OciCache.Auth;

/// <summary>
/// Checks <c>Auth</c> at start, source-generated from the attributes on <see cref="AuthSettings"/> and
/// <see cref="AuditLogOptions"/>; <see cref="AuthSettingsRules"/> holds what attributes cannot state.
/// </summary>
[OptionsValidator]
internal sealed partial class AuthSettingsValidator : IValidateOptions<AuthSettings>;
