using Serilog.Core;
using Serilog.Events;

namespace OciCache.Testing;

/// <summary>A Serilog sink that keeps rendered events in memory for assertions, and lets tests await one.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly List<(LogEventLevel Level, string Message)> _events = [];
    private readonly List<(LogEventLevel AtLeast, string Fragment, TaskCompletionSource<string> Seen)> _waiters = [];

    public void Emit(LogEvent logEvent)
    {
        // Serilog quotes string properties when rendering; assertions read the plain text.
        var message = logEvent.RenderMessage().Replace("\"", "", StringComparison.Ordinal) +
                      (logEvent.Exception is null ? "" : " " + logEvent.Exception.Message);
        var seen = new List<TaskCompletionSource<string>>();
        lock (_events)
        {
            _events.Add((logEvent.Level, message));
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Matches(logEvent.Level, message, _waiters[i].AtLeast, _waiters[i].Fragment))
                {
                    seen.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in seen)
        {
            waiter.TrySetResult(message);
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

    /// <summary>
    /// The first event at <paramref name="atLeast"/> or above containing <paramref name="fragment"/>, logged
    /// already or awaited; fails the test with the whole log when none comes within <paramref name="timeout"/>
    /// (a margin for a loaded machine, not an expectation of how long it takes).
    /// </summary>
    public async Task<string> WaitForAsync(LogEventLevel atLeast, string fragment, TimeSpan? timeout = null)
    {
        Task<string> seen;
        lock (_events)
        {
            if (_events.FirstOrDefault(e => Matches(e.Level, e.Message, atLeast, fragment)) is { Message: { } logged })
            {
                return logged;
            }

            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((atLeast, fragment, waiter));
            seen = waiter.Task;
        }

        try
        {
            return await seen.WaitAsync(timeout ?? Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"no {atLeast}+ log event containing \"{fragment}\" was logged:\n{this}");
        }
    }

    public override string ToString() => string.Join('\n', Events.Select(e => $"{e.Level}: {e.Message}"));
}
