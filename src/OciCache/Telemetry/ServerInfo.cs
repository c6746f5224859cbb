using System.Reflection;

namespace OciCache.Telemetry;

/// <summary>
/// What an operator checks first about the running server: its version and when it started. Created when
/// the application is built (not on first use), so the uptime counts from the start.
/// </summary>
internal sealed class ServerInfo(TimeProvider time)
{
    /// <summary>The build's version (<c>1.0.0+&lt;commit&gt;</c> from the assembly's informational version).</summary>
    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public TimeSpan Uptime => time.GetUtcNow() - StartedAt;
}
