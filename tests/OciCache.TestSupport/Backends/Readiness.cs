using System.Diagnostics;

namespace OciCache.Testing.Backends;

/// <summary>
/// Waits for a service's real readiness signal (a query answered, an HTTP response, an accepted connection)
/// by polling a probe, within a bounded margin for a loaded machine. It gives up early when a watched
/// process died, and fails with the service's log either way.
/// </summary>
public static class Readiness
{
    /// <summary>The bound on a backend's start: generous, because the 2-core CI machine is shared.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Polls <paramref name="probe"/> until it answers true; a probe that throws counts as "not yet".</summary>
    public static async Task WaitAsync(
        string what, Func<CancellationToken, Task<bool>> probe, Func<string> log, TimeSpan? timeout = null, params ServiceProcess[] watched)
    {
        var bound = timeout ?? StartTimeout;
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < bound)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                if (await probe(cts.Token))
                {
                    return;
                }
            }
            catch (Exception e) // any failure of the probe means "not ready yet"; the last one goes into the message
            {
                last = e;
            }

            if (watched.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{dead.Name} exited while waiting for {what} (after {watch.Elapsed.TotalSeconds:F1} s). Last probe error: {last?.Message}\n{log()}");
            }

            await Task.Delay(PollInterval);
        }

        throw new Xunit.Sdk.XunitException($"{what} not reached within {bound}. Last probe error: {last?.Message}\n{log()}");
    }

    /// <summary>The last <paramref name="lines"/> lines of a service's log file, for failure messages.</summary>
    public static string Tail(string path, int lines = 60)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {path}\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"--- {path}: {e.Message}";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"--- {path}: {e.Message}";
        }
    }
}
