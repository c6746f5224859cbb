using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OciCache.Auth;
using OciCache.Endpoints;
using OciCache.Observability;
using OciCache.Telemetry;
using OciCache.Access;
using OciCache.Settings;
using OciCache.Tls;
using OciCache.WebConsole;
using Serilog.Extensions.Logging;

namespace OciCache.Hosting;

/// <summary>
/// The one composition root. <c>serve</c> (through <see cref="OciCacheApp.Build"/>) and every other command
/// (<c>config check</c>, <c>verify</c>, <c>prefetch</c>, <c>sync</c>, <c>export</c>, <c>import</c>,
/// <c>robot</c>) build their services here from the loaded <see cref="OciCacheSettings"/>, and take from the
/// container what they need. Every settings section is registered with the checks beside its record and
/// validated at start (<c>ValidateOnStart</c>); <see cref="Validate"/> runs those same checks for a command,
/// which has no host to start.
/// </summary>
/// <remarks>
/// <code>
/// file, OCICACHE_ variables, flags ──► SettingsLoader (unknown keys, 10m durations, binder) ──► OciCacheSettings
///   ──► OciCacheServices.Add: one options section per record, IValidateOptions beside each ──► ValidateOnStart
/// </code>
/// </remarks>
internal static class OciCacheServices
{
    /// <summary>Registers the server's services: the core, the host's own, access control and the console's.</summary>
    public static IServiceCollection Add(IServiceCollection services, OciCacheSettings settings)
    {
        services.AddSettingsSection(settings).AddSettingsValidator<OciCacheSettings, OciCacheSettingsValidator>();
        services.AddSettingsSection(settings.Tls).AddSettingsValidator<TlsSettings, TlsSettingsValidator>();
        services.AddOciCacheCore(settings);
        services.AddHttpForwarder();
        services.AddSingleton<MirrorForwarder>();
        services.AddSingleton<RepositoryResolver>();
        services.AddSingleton<ServerInfo>();
        services.AddAccessControl(settings);

        // Robot accounts and the audit log exist without an Auth section too: `ocicache robot` prepares them.
        services.AddOciCacheAuthStores(settings.Auth?.AuditLog ?? new AuditLogOptions());
        services.AddHostedService<SystemdNotifier>();
        if (settings.Tls.Enabled)
        {
            services.TryAddSingleton<ServerCertificate>();
            services.TryAddSingleton<HandshakeFailures>();
        }

        return services;
    }

    /// <summary>
    /// The server's services without the web server or background loops, for one-shot commands that work on
    /// the same data folder; their log goes to the console at Warning and above.
    /// </summary>
    /// <exception cref="SettingsException">The settings fail their checks; the messages name the keys.</exception>
    public static ServiceProvider Build(OciCacheSettings settings)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new SerilogLoggerProvider(
            Logging.CreateLogger(settings.Log.Format, "Warning"), dispose: true)));
        var provider = Add(services, settings).BuildServiceProvider();
        try
        {
            Validate(provider);
            return provider;
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>Runs every check of <see cref="Add"/> without resolving anything else (nothing touches the data folder).</summary>
    /// <exception cref="SettingsException">The messages of every failed check, each naming its key.</exception>
    public static void Check(OciCacheSettings settings)
    {
        using var provider = Add(new ServiceCollection(), settings).BuildServiceProvider();
        Validate(provider);
    }

    /// <summary>The checks <c>ValidateOnStart</c> runs when a host starts, run now.</summary>
    /// <exception cref="SettingsException">The messages of every failed check, each naming its key.</exception>
    public static void Validate(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw new SettingsException([.. e.Failures]);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            throw new SettingsException([.. e.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures)]);
        }
    }
}
