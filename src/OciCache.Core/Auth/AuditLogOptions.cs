using OciCache.Settings;

namespace OciCache.Auth;

/// <summary>Where the audit log goes and how it is rotated (<c>Auth:AuditLog</c>).</summary>
public sealed record AuditLogOptions : ISettingsSection
{
    /// <summary>The file; null means <c>audit.log</c> in the data folder.</summary>
    public string? Path { get; set; }

    /// <summary>The size at which the file is rotated to <c>audit.log.1</c>.</summary>
    [AtLeast("Auth:AuditLog", 1)]
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>How many rotated files are kept besides the current one.</summary>
    [AtLeast("Auth:AuditLog", 0)]
    public int Files { get; set; } = 5;
}
