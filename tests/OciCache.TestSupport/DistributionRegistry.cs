using System.Diagnostics;
using System.Text;

namespace OciCache.Testing;

/// <summary>
/// The CNCF distribution registry (Debian's <c>docker-registry</c>) on 127.0.0.1 with a temp storage
/// folder: the real upstream of pull-through tests. It can be stopped and started again on the same
/// port and storage, to cut the "WAN".
/// </summary>
public sealed class DistributionRegistry : IAsyncDisposable
{
    private readonly TempDirectory _root = new("distribution");
    private readonly StringBuilder _log = new();
    private Process? _process;

    private DistributionRegistry(int port)
    {
        Port = port;
        Client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromMinutes(5) };
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public string Host => $"127.0.0.1:{Port}";

    public HttpClient Client { get; }

    /// <summary>The access log: one line per request the registry served.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<DistributionRegistry> StartAsync(string? proxyRemoteUrl = null)
    {
        var registry = new DistributionRegistry(OciCacheProcess.FreePort());
        var proxy = proxyRemoteUrl is null ? "" : $"proxy:\n  remoteurl: {proxyRemoteUrl}\n";
        await File.WriteAllTextAsync(registry._root.Combine("config.yml"), $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {registry._root.Combine("data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{registry.Port}
            {proxy}
            """);
        await registry.StartAsync();
        return registry;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Tools.Require("docker-registry"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(_root.Combine("config.yml"));
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // Ready when /v2/ answers; polled until then (or until the process died), within a margin for a loaded machine.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Eventually.DefaultTimeout)
        {
            try
            {
                using var response = await Client.GetAsync("/v2/");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"docker-registry did not start:\n{Log}");
    }

    /// <summary>Stops the registry process (the upstream goes dark); storage stays.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>How many requests in the access log match <paramref name="method"/> and contain <paramref name="pathPart"/>.</summary>
    public int CountRequests(string method, string pathPart) =>
        Log.Split('\n').Count(l => l.Contains($"\"{method} ") && l.Contains(pathPart));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Client.Dispose();
        _root.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
