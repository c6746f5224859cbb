using OciCache.Auth;
using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>
/// <c>Auth:AuditLog</c> (Path, MaxBytes, Files) as the server reads it, from the <c>--config</c> file and
/// <c>OCICACHE_AUTH__AUDITLOG__…</c> variables, for the commands that write audit events themselves. The
/// server's own settings check the section; here a missing one means the defaults.
/// </summary>
internal static class AuditLogSettings
{
    public const string Section = "Auth:AuditLog";

    public static AuditLogOptions Read(string? configFile)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: true, reloadOnChange: false);
        }

        var options = new AuditLogOptions();
        builder.AddEnvironmentVariables(SettingsLoader.EnvironmentPrefix).Build().GetSection(Section).Bind(options);
        return options;
    }
}
