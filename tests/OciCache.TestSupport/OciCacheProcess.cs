using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace OciCache.Testing;

/// <summary>
/// The built <c>ocicache</c> executable as a child process: for restarts, SIGKILL, memory measurements
/// and the command line itself. The port is read from the startup log (it listens on port 0).
/// </summary>
public sealed partial class OciCacheProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Fragment, TaskCompletionSource<string> Seen)> _waiters = [];

    private OciCacheProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Path of the <c>ocicache</c> apphost built beside the tests.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "ocicache");

    public Uri BaseUri { get; private set; } = null!;

    public string Host => $"{BaseUri.Host}:{BaseUri.Port}";

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>ocicache serve --listen 127.0.0.1:PORT --data DATA ARGS…</c> and waits until it answers.
    /// Without a port it listens on port 0 and the port is read from the startup log; with one (needed
    /// when the log level hides that line) <c>/healthz</c> is polled.
    /// </summary>
    /// <param name="command">
    /// The program and its first arguments, e.g. a published appliance binary, or qemu and the binary;
    /// null for the <see cref="Executable"/> built beside the tests.
    /// </param>
    public static async Task<OciCacheProcess> StartAsync(string dataPath, IEnumerable<string>? extraArguments = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null, int? port = null,
        IReadOnlyList<string>? command = null)
    {
        var info = new ProcessStartInfo(command?[0] ?? Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var serve = new[] { "serve", "--listen", $"127.0.0.1:{port ?? 0}", "--data", dataPath };
        foreach (var argument in (command ?? [Executable]).Skip(1).Concat(serve).Concat(extraArguments ?? []))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["OCICACHE_STORAGE__MINFREEBYTES"] = "0"; // independent of the machine's free space
        info.Environment.Remove(ProcessRunner.ScreenshotsVariable); // a test switch, not a setting
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new OciCacheProcess(Process.Start(info)!);
        process.Attach();
        if (port is { } fixedPort)
        {
            _ = process.PollHealthAsync(new Uri($"http://127.0.0.1:{fixedPort}"));
        }

        try
        {
            process.BaseUri = await process._listening.Task.WaitAsync(timeout ?? Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            await process.DisposeAsync();
            throw new TimeoutException($"ocicache did not start listening:\n{process.Output}");
        }

        return process;
    }

    /// <summary>
    /// The first line of output (stdout or stderr) containing <paramref name="fragment"/>, printed already
    /// or awaited; fails with the whole output when none comes within the (generous) timeout.
    /// </summary>
    public async Task<string> WaitForOutputAsync(string fragment, TimeSpan? timeout = null)
    {
        Task<string> seen;
        lock (_output)
        {
            if (_output.ToString().Split('\n').FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } printed)
            {
                return printed.TrimEnd('\r');
            }

            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((fragment, waiter));
            seen = waiter.Task;
        }

        try
        {
            return await seen.WaitAsync(timeout ?? Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"ocicache printed no line containing \"{fragment}\":\n{Output}");
        }
    }

    /// <summary>A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after).</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task PollHealthAsync(Uri baseUri)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (!_listening.Task.IsCompleted)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(baseUri, "/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    _listening.TrySetResult(baseUri);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the process with SIGKILL, as a power cut or the OOM killer would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Asks for a graceful stop (SIGTERM) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString()]);
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Resident set size in bytes, from /proc.</summary>
    public long ReadRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Attach()
    {
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            var seen = new List<TaskCompletionSource<string>>();
            lock (_output)
            {
                _output.AppendLine(line);
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (line.Contains(_waiters[i].Fragment, StringComparison.Ordinal))
                    {
                        seen.Add(_waiters[i].Seen);
                        _waiters.RemoveAt(i);
                    }
                }
            }

            foreach (var waiter in seen)
            {
                waiter.TrySetResult(line);
            }

            if (ListeningPattern().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"ocicache exited early:\n{Output}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    [GeneratedRegex(@"(?:Now listening on: |""address"":"")(https?://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
