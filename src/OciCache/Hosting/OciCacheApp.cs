using System.Net;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Endpoints;
using OciCache.Http;
using OciCache.SignIn;
using OciCache.Storage;
using OciCache.Telemetry;
using OciCache.Tls;
using OciCache.WebConsole;
using OciCache.WebConsole.Api;
using OciCache.Sync;
using OciCache.WebConsole.Pages;
using Serilog.Extensions.Logging;

namespace OciCache.Hosting;

/// <summary>Builds the web application for <c>ocicache serve</c>; tests build it the same way on 127.0.0.1:0.</summary>
public static class OciCacheApp
{
    /// <param name="overrides">
    /// Registered before the server's own services, so it replaces those registered with TryAdd (the
    /// clock: tests move a FakeTimeProvider instead of waiting for time to pass).
    /// </param>
    /// <exception cref="SettingsException">The settings cannot start a server; the messages name the keys.</exception>
    public static WebApplication Build(OciCacheSettings settings, Serilog.ILogger? logger = null, Action<IServiceCollection>? overrides = null)
    {
        // The host's own configuration is read once. Reloading it would watch the working directory (the data
        // folder, under the appliance's unit) with inotify, one watch per blob folder, plus a thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        // A Log:Level that is no level is named by the checks below; until then the default level logs.
        var level = Enum.TryParse<Serilog.Events.LogEventLevel>(settings.Log.Level, ignoreCase: true, out _) ? settings.Log.Level : "Information";
        builder.Logging.AddProvider(new SerilogLoggerProvider(logger ?? Logging.CreateLogger(settings.Log.Format, level), dispose: logger is null));
        builder.Logging.SetMinimumLevel(LogLevel.Trace);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = BodyLimits.DefaultBytes; // raised per route: BodyLimits
            var listen = ListenAddress.TryParse(settings.Listen, out var parsed)
                ? parsed
                : throw new SettingsException([$"Listen: '{settings.Listen}' is not HOST:PORT."]);
            if (listen.Localhost)
            {
                kestrel.ListenLocalhost(listen.Port, endpoint => TlsEndpoint.Configure(endpoint, settings.Tls));
            }
            else
            {
                kestrel.Listen(listen.Address ?? IPAddress.IPv6Any, listen.Port, endpoint => TlsEndpoint.Configure(endpoint, settings.Tls));
            }
        });

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownGuard.ShutdownTimeout);
        overrides?.Invoke(builder.Services);
        OciCacheServices.Add(builder.Services, settings);
        builder.Services.AddSingleton<MetricsEndpoint>();
        builder.Services.AddSingleton<RequestDurations>();
        var app = builder.Build();
        try
        {
            // What ValidateOnStart checks when the host starts, checked now: nothing below may be built from a bad setting.
            OciCacheServices.Validate(app.Services);
        }
        catch (SettingsException)
        {
            ((IDisposable)app).Dispose();
            throw;
        }

        app.Services.GetRequiredService<ServerInfo>(); // its uptime counts from here
        app.Services.GetRequiredService<IMetadataHealth>(); // SQLite: the database's identity as opened now, before any request
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<RegistryMiddleware>();
        app.UseMiddleware<ConsoleHeaders>();
        app.MapRegistry();
        if (settings.Auth is not null)
        {
            // The users are read before any request; the signing key is loaded (created on a new data folder) by the
            // first token issued or checked, so an idle server has no OpenSSL mapped.
            app.Services.GetRequiredService<AccessControl>();
            if (app.Services.GetRequiredService<ITokenKeySource>().CheckStored() is { } problem)
            {
                ((IDisposable)app).Dispose();
                throw new SettingsException([problem]); // as when the key was loaded at start: serve stops, naming the file
            }

            app.MapTokens();
            app.MapSignIn();
            app.MapApiKeys();
        }

        app.MapManagement();
        app.MapCluster(); // the replicas' own endpoint: its bearer secret, not registry access control
        app.MapConsoleApi();
        app.MapConsole();
        app.MapGet("/healthz", static context => context.Response.WriteAsync("ok"));
        app.MapGet("/readyz", ReadinessEndpoint.WriteAsync);
        app.MapMethods("/metrics", [HttpMethods.Get, HttpMethods.Head],
            static context => context.RequestServices.GetRequiredService<MetricsEndpoint>().WriteAsync(context));
        return app;
    }

    /// <summary>The address the server actually listens on (useful with port 0).</summary>
    public static Uri GetListenUri(this WebApplication app)
    {
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
    }
}
