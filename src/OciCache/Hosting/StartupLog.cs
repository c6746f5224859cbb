using OciCache.Settings;
using OciCache.Telemetry;

namespace OciCache.Hosting;

/// <summary>
/// One line at start that says what this server is: where its data is and what it mirrors (upstream URLs
/// without their passwords).
/// </summary>
internal static partial class StartupLog
{
    public static void Write(WebApplication app, OciCacheSettings settings)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OciCache");
        var upstreams = string.Join(", ", settings.EffectiveUpstreams.Select(u => $"{u.Key}={UrlRedaction.Redact(u.Value.Url)}"));
        var budget = settings.Storage.MaxCacheBytes > 0 ? $"{settings.Storage.MaxCacheBytes} bytes" : "unlimited";
        LogStarting(logger, Path.GetFullPath(settings.Data), upstreams, budget, settings.Storage.MinFreeBytes);
        LogHeapLimit(logger, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20, HeapLimitSource());
        if (settings.Cache.Offline)
        {
            LogOffline(logger);
        }

        foreach (var pin in settings.Storage.Pins)
        {
            if (OciCache.Lifecycle.PinPattern.TryParse(pin, out var parsed, out _) && parsed.IsRewritten)
            {
                LogPinRewritten(logger, pin, parsed.Spelling);
            }
        }

        if (settings.Auth is not { } auth)
        {
            LogOpen(logger, settings.Listen);
        }
        else
        {
            LogAccessControl(logger, auth.Htpasswd is null ? "none" : Path.GetFullPath(auth.Htpasswd), auth.Policies.Count,
                auth.Anonymous is null ? "pull of every repository" : string.Join(", ", auth.Anonymous.Select(a => $"{a.Key}={string.Join(',', a.Value)}")));
            if (auth.Oidc is { } oidc)
            {
                var baseUrl = oidc.ExternalUrl ?? auth.ExternalUrl ?? "<the console's scheme and host>";
                LogOidc(logger, oidc.Issuer, oidc.ClientId, OciCache.Auth.OidcSettings.RedirectUri(baseUrl));
            }
        }
    }

    /// <summary>
    /// Where the GC's heap limit comes from: the operator's setting (the environment, e.g. the systemd unit's
    /// <c>Environment=</c>), else the memory of the machine or of the cgroup (<c>MemoryMax=</c>), of which .NET
    /// takes 75 %. Nothing is compiled in.
    /// </summary>
    private static string HeapLimitSource() =>
        new[] { "DOTNET_GCHeapHardLimit", "DOTNET_GCHeapHardLimitPercent" }.FirstOrDefault(v => Environment.GetEnvironmentVariable(v) is { Length: > 0 })
        ?? "the machine's or cgroup's memory";

    [LoggerMessage(Level = LogLevel.Information, Message = "GC heap limit {HeapLimitMiB} MiB (from {Source})")]
    private static partial void LogHeapLimit(ILogger logger, long heapLimitMiB, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console sign-in through the OIDC issuer {Issuer} as client {ClientId}; its redirect URI is {RedirectUri}")]
    private static partial void LogOidc(ILogger logger, string issuer, string clientId, string redirectUri);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offline (Cache:Offline): no upstream is contacted; cached content is served without revalidation, anything else answers 404")]
    private static partial void LogOffline(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage:Pins: '{Pin}' is read as '{Spelling}': a pin's * no longer crosses '/', so it is read with ** to cover what it did; write '{Spelling}' (README, Patterns)")]
    private static partial void LogPinRewritten(ILogger logger, string pin, string spelling);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Access control is off (no Auth section): pushes and deletes are open to anyone who can reach {Listen}")]
    private static partial void LogOpen(ILogger logger, string listen);

    [LoggerMessage(Level = LogLevel.Information, Message = "Access control on: users from {Htpasswd}, {Rules} policy rules, anonymous {Anonymous}, tokens at /token")]
    private static partial void LogAccessControl(ILogger logger, string htpasswd, int rules, string anonymous);

    [LoggerMessage(Level = LogLevel.Information, Message = "OciCache data in {Data}; mirroring {Upstreams}; cache budget {Budget}, free-space floor {MinFree} bytes")]
    private static partial void LogStarting(ILogger logger, string data, string upstreams, string budget, long minFree);
}
