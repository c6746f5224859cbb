using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Hosting;
using Serilog;

namespace OciCache.Testing;

/// <summary>
/// The real server (Kestrel, the real data folder, the real SQLite file) in this process on
/// 127.0.0.1 with a free port. Restart keeps the data folder.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly TempDirectory? _ownedData;
    private readonly Action<OciCacheSettings>? _configure;
    private readonly TimeProvider? _time;
    private readonly Action<IServiceCollection>? _services;
    private WebApplication? _app;

    private RegistryServer(string dataPath, TempDirectory? ownedData, Action<OciCacheSettings>? configure, TimeProvider? time, Action<IServiceCollection>? services)
    {
        DataPath = dataPath;
        _ownedData = ownedData;
        _configure = configure;
        _time = time;
        _services = services;
    }

    public string DataPath { get; }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary><c>127.0.0.1:port</c>, as a registry host for skopeo and containerd.</summary>
    public string Host => $"{BaseUri.Host}:{BaseUri.Port}";

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    /// <summary>Every log event of the server at Information and above, rendered, oldest first.</summary>
    public CapturedLog Log { get; } = new();

    /// <summary>
    /// Starts a server on a new temp data folder (or on <paramref name="dataPath"/>). With <paramref name="time"/>
    /// (a FakeTimeProvider) the server's clock is the test's: timestamps, revalidation and fill clocks move
    /// only when the test moves them. <paramref name="configure"/> runs again on every restart;
    /// <paramref name="services"/> registers services before the server's own (which are TryAdd).
    /// </summary>
    public static async Task<RegistryServer> StartAsync(
        Action<OciCacheSettings>? configure = null, string? dataPath = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var owned = dataPath is null ? new TempDirectory("ocicache-data") : null;
        var server = new RegistryServer(dataPath ?? owned!.Path, owned, configure, time, services);
        await server.StartAppAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        await StopAppAsync();
        await StartAppAsync();
    }

    /// <summary>Stops the server, keeping its data folder, so a test can change the folder before <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync() => StopAppAsync();

    public Task StartAgainAsync() => StartAppAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        _ownedData?.Dispose();
    }

    private async Task StartAppAsync()
    {
        var settings = new OciCacheSettings { Listen = "127.0.0.1:0", Data = DataPath };
        settings.Storage.MinFreeBytes = 0; // tests must not depend on the free space of the machine they run on
        _configure?.Invoke(settings);
        var logger = new LoggerConfiguration().MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning)
            .WriteTo.Sink(Log)
            .WriteTo.Console(restrictedToMinimumLevel: Serilog.Events.LogEventLevel.Warning)
            .CreateLogger();
        _app = OciCacheApp.Build(settings, logger, services =>
        {
            if (_time is not null)
            {
                services.AddSingleton(_time);
            }

            _services?.Invoke(services);
        });
        await _app.StartAsync();
        BaseUri = _app.GetListenUri();
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = BaseUri };
    }

    private async Task StopAppAsync()
    {
        if (_app is null)
        {
            return;
        }

        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        SqliteConnection.ClearAllPools();
    }
}
