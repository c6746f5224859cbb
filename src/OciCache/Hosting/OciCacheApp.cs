using System.Net;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OciCache.Endpoints;
using OciCache.Http;
using OciCache.Lifecycle;
using OciCache.Observability;
using OciCache.PullThrough;
using OciCache.Upstream;
using OciCache.Registry;
using OciCache.Storage;
using Prometheus;
using Serilog.Extensions.Logging;

namespace OciCache.Hosting;

/// <summary>Builds the web application for <c>ocicache serve</c>; tests build it the same way on 127.0.0.1:0.</summary>
public static class OciCacheApp
{
    /// <exception cref="SettingsException">The settings cannot start a server; the messages name the keys.</exception>
    public static WebApplication Build(OciCacheSettings settings, Serilog.ILogger? logger = null)
    {
        if (SettingsValidator.Check(settings) is { Count: > 0 } errors)
        {
            throw new SettingsException(errors);
        }

        // The host's own configuration is read once. Reloading it would watch the working directory (the data
        // folder, under the appliance's unit) with inotify, one watch per blob folder, plus a thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new SerilogLoggerProvider(logger ?? Logging.CreateLogger(settings.Log.Format, settings.Log.Level), dispose: logger is null));
        builder.Logging.SetMinimumLevel(LogLevel.Trace);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // blobs are streamed to disk; manifests are bounded in ManifestWriter
            var listen = ListenAddress.TryParse(settings.Listen, out var parsed)
                ? parsed
                : throw new SettingsException([$"Listen: '{settings.Listen}' is not HOST:PORT."]);
            if (listen.Localhost)
            {
                kestrel.ListenLocalhost(listen.Port);
            }
            else
            {
                kestrel.Listen(listen.Address ?? IPAddress.IPv6Any, listen.Port);
            }
        });

        AddServices(builder.Services, settings);
        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<RegistryMiddleware>();
        app.MapRegistry();
        app.MapGet("/healthz", static context => context.Response.WriteAsync("ok"));
        app.MapMetrics("/metrics");
        return app;
    }

    public static void AddServices(IServiceCollection services, OciCacheSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddMemoryCache(o => o.SizeLimit = 20_000);

        var layout = new DataLayout(settings.Data);
        layout.EnsureCreated();
        services.AddSingleton(layout);
        services.AddSingleton<IBlobStore>(new FileBlobStore(layout));
        services.AddSingleton(_ => new SqliteDatabase(layout.Database));
        services.AddSingleton<SqliteMetadataIndex>();
        services.AddSingleton<IMetadataIndex>(sp => new CachedMetadataIndex(
            sp.GetRequiredService<SqliteMetadataIndex>(), sp.GetRequiredService<Microsoft.Extensions.Caching.Memory.IMemoryCache>()));

        services.AddSingleton(new RepositoryRouter(settings.EffectiveUpstreams));
        services.AddSingleton<RepositoryResolver>();
        services.AddSingleton<LocalContentReader>();
        services.AddSingleton(settings.Cache);
        services.AddSingleton(settings.UpstreamPolicy);
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<TokenCache>();
        services.AddSingleton(sp => new UpstreamClient(settings.EffectiveUpstreams, settings.UpstreamPolicy,
            sp.GetRequiredService<TokenCache>(), sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<ILogger<UpstreamClient>>()));
        services.AddSingleton<FillCoordinator>();
        services.AddSingleton<MirrorManifests>();
        services.AddSingleton<IContentReader, PullThroughContentReader>();
        services.AddSingleton(settings.Storage);
        services.AddSingleton(settings.GarbageCollection);
        services.AddSingleton(settings.Scrub);
        services.AddSingleton(settings.Prefetch);
        services.AddSingleton<AccessTracker>();
        services.AddSingleton<EvictionSignal>();
        services.AddSingleton<CacheEvictor>();
        services.AddSingleton<GarbageCollector>();
        services.AddSingleton<Scrubber>();
        services.AddSingleton<Prefetcher>();
        services.AddHttpForwarder();
        services.AddSingleton<MirrorForwarder>();
        services.AddSingleton<ManifestWriter>();
        services.AddSingleton<UploadService>();
        services.AddHostedService<StartupCleanup>();
        services.AddHostedService<LifecycleService>();
        services.AddHostedService<SystemdNotifier>();
    }

    /// <summary>
    /// The server's services without the web server or background loops, for one-shot commands
    /// (<c>ocicache prefetch</c>) that work on the same data folder.
    /// </summary>
    public static ServiceProvider BuildServices(OciCacheSettings settings)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new SerilogLoggerProvider(
            Logging.CreateLogger(settings.Log.Format, "Warning"), dispose: true)));
        AddServices(services, settings);
        return services.BuildServiceProvider();
    }

    /// <summary>The address the server actually listens on (useful with port 0).</summary>
    public static Uri GetListenUri(this WebApplication app)
    {
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
    }
}
