using System.Runtime.InteropServices;

namespace OciCache.Hosting;

/// <summary>
/// Makes SIGTERM always end <c>ocicache serve</c>. The host stops its services one by one, the web server
/// last, and waits for each at most <see cref="ShutdownTimeout"/>; but a service that blocks a thread
/// instead of awaiting (a synchronous write behind a wedged lock, after an OutOfMemoryException for
/// instance) is never given up on, and the server kept answering after "Application is shutting down".
/// From the shutdown signal, this guard gives the host <see cref="ShutdownTimeout"/> plus <see cref="Grace"/>;
/// then it logs one line and ends the process with exit code 1, without running anything else.
/// </summary>
internal sealed partial class ShutdownGuard : IDisposable
{
    /// <summary>The host's own bound on a graceful stop (in-flight requests, the last flushes), set explicitly.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What the guard adds to <see cref="ShutdownTimeout"/> for the host's own work after it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<int> _exit;
    private readonly TimeSpan _timeout;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private bool _stopped;

    /// <param name="exit">Ends the process; <see cref="ExitNow"/> outside tests.</param>
    public ShutdownGuard(IHostApplicationLifetime lifetime, TimeProvider time, ILogger<ShutdownGuard> logger, Action<int> exit, TimeSpan timeout)
    {
        _time = time;
        _logger = logger;
        _exit = exit;
        _timeout = timeout;
        lifetime.ApplicationStopping.Register(Arm);
        lifetime.ApplicationStopped.Register(Dispose);
    }

    /// <summary>Ends the process at once (libc <c>_exit</c>): no exit handlers, which are what may be stuck.</summary>
    public static void ExitNow(int code) => SystemExit(code);

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
        }
    }

    private void Arm()
    {
        lock (_lock)
        {
            if (!_stopped && _timer is null)
            {
                _timer = _time.CreateTimer(static state => ((ShutdownGuard)state!).Expire(), this, _timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Expire()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
        }

        LogForced(_logger, _timeout);
        _exit(1);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void SystemExit(int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The server did not stop within {Timeout} of the shutdown signal; exiting now")]
    private static partial void LogForced(ILogger logger, TimeSpan timeout);
}
