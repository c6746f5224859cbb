using Microsoft.AspNetCore.Connections;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace OciCache.Telemetry;

/// <summary>
/// Serilog is only the sink: code logs through <c>ILogger</c>. Readable lines by default, compact JSON
/// (one event a line, for journald and log shippers) with <c>--log-format json</c>.
/// </summary>
internal static class Logging
{
    public static Serilog.ILogger CreateLogger(string format, string level)
    {
        var minimum = Enum.Parse<LogEventLevel>(level, ignoreCase: true);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", minimum < LogEventLevel.Warning ? LogEventLevel.Information : minimum)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // A listen address in use is told once, as one line, by the serve command (ServeCommand); the host's
            // own "Hosting failed to start" would add the same failure as a stack trace.
            .Filter.ByExcluding(e => e.Exception is IOException { InnerException: AddressInUseException });
        configuration = format == "json"
            ? configuration.WriteTo.Console(new CompactJsonFormatter())
            : configuration.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}");
        return configuration.CreateLogger();
    }
}
