using Serilog.Core;
using Serilog.Events;

namespace OciCache.Testing;

/// <summary>A Serilog sink that keeps rendered events in memory for assertions.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly List<(LogEventLevel Level, string Message)> _events = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            // Serilog quotes string properties when rendering; assertions read the plain text.
            var message = logEvent.RenderMessage().Replace("\"", "", StringComparison.Ordinal);
            _events.Add((logEvent.Level, message + (logEvent.Exception is null ? "" : " " + logEvent.Exception.Message)));
        }
    }

    public IReadOnlyList<(LogEventLevel Level, string Message)> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public bool Contains(LogEventLevel atLeast, string fragment) =>
        Events.Any(e => e.Level >= atLeast && e.Message.Contains(fragment, StringComparison.Ordinal));

    public override string ToString() => string.Join('\n', Events.Select(e => $"{e.Level}: {e.Message}"));
}
