using System.Diagnostics.Tracing;

namespace OciCache.Testing;

/// <summary>
/// Counts the HTTP request attempts this process starts towards one port, from the runtime's own telemetry
/// (<c>System.Net.Http</c> <c>RequestStart</c>, one per send of a request message, so one per retry). For
/// upstreams that never answer and so cannot count requests themselves, such as a dark link. Other tests in
/// the process talk to other ports and are not counted.
/// </summary>
public sealed class HttpAttempts : EventListener
{
    private volatile int _port = -1;
    private int _count;

    public HttpAttempts(int port)
    {
        _port = port;
    }

    /// <summary>Attempts started so far.</summary>
    public int Count => Volatile.Read(ref _count);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor too, before the port is set: enabling is all it does.
        if (eventSource.Name == "System.Net.Http")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "RequestStart" || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        var index = names.IndexOf("port");
        if (index >= 0 && payload[index] is int port && port == _port)
        {
            Interlocked.Increment(ref _count);
        }
    }
}
