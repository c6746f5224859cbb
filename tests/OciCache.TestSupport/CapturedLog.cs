using Serilog.Core;
using Serilog.Events;

namespace OciCache.Testing;

/// <summary>A Serilog sink that keeps rendered events in memory for assertions.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly List<(LogEventLevel Level, string Message)> _events = [];
    private readonly List<(LogEventLevel AtLeast, string Fragment, TaskCompletionSource<string> Seen)> _waiters = [];

    public void Emit(LogEvent logEvent)
    {
        // Serilog quotes string properties when rendering; assertions read the plain text.
        var message = logEvent.RenderMessage().Replace("\"", "", StringComparison.Ordinal)
                      + (logEvent.Exception is null ? "" : " " + logEvent.Exception.Message);
        lock (_events)
        {
            _events.Add((logEvent.Level, message));
            foreach (var waiter in _waiters.Where(w => Matches(logEvent.Level, message, w.AtLeast, w.Fragment)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult(message);
            }
        }
    }

    /// <summary>The first event at <paramref name="atLeast"/> or above that contains <paramref name="fragment"/>, logged already or later.</summary>
    public async Task<string> WaitForAsync(LogEventLevel atLeast, string fragment, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            if (_events.FirstOrDefault(e => Matches(e.Level, e.Message, atLeast, fragment)) is { Message: { } logged })
            {
                return logged;
            }

            _waiters.Add((atLeast, fragment, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"no {atLeast} event containing '{fragment}' in {timeout}:\n{this}");
        }
    }

    private static bool Matches(LogEventLevel level, string message, LogEventLevel atLeast, string fragment) =>
        level >= atLeast && message.Contains(fragment, StringComparison.Ordinal);

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
        Events.Any(e => Matches(e.Level, e.Message, atLeast, fragment));

    public override string ToString() => string.Join('\n', Events.Select(e => $"{e.Level}: {e.Message}"));
}
