using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OciCache.Settings;
using OciCache.Storage;

namespace OciCache.Auth;

public static class AuthStoreServices
{
    /// <summary>
    /// Registers the stores of access control: <see cref="IRobotAccounts"/> and <see cref="IApiKeys"/> on the
    /// role interfaces <see cref="IRobotStore"/> and <see cref="IApiKeyStore"/> of the metadata database, and
    /// <see cref="IAuditLog"/> as JSON lines in <see cref="AuditLogOptions.Path"/>, or <c>audit.log</c> in the
    /// data folder, and the token key in <c>token-key.pem</c> there (<see cref="ITokenKeySource"/>); when the
    /// metadata database is shared (it registered <see cref="IClusterSecrets"/> and <see cref="IAuditStore"/>),
    /// the key is the cluster's and the audit events go to the shared store too. Needs
    /// <see cref="OciCacheCoreServices.AddOciCacheCore"/> first (the data folder and database, and what it
    /// registered decides the forms); every registration is a <c>TryAdd</c>, so one made before this call wins.
    /// </summary>
    public static IServiceCollection AddOciCacheAuthStores(this IServiceCollection services, AuditLogOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.TryAddSingleton<IRobotAccounts>(sp =>
            new RobotAccounts(sp.GetRequiredService<IRobotStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IApiKeys>(sp =>
            new ApiKeys(sp.GetRequiredService<IApiKeyStore>(), sp.GetRequiredService<TimeProvider>()));
        if (services.Any(static d => d.ServiceType == typeof(IClusterSecrets)))
        {
            // Replicas share the metadata database (PostgreSQL): the token key is the cluster's.
            services.TryAddSingleton<ITokenKeySource>(sp => new SharedTokenKeySource(sp.GetRequiredService<IClusterSecrets>()));
        }

        if (services.Any(static d => d.ServiceType == typeof(IAuditStore)))
        {
            // Every replica's events in the shared store, read back from there by the console; audit.log goes on
            // beside it: operators tail it, and it keeps the events while the database is away.
            services.TryAddSingleton(sp => new StoredAuditLog(sp.GetRequiredService<IAuditStore>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<StoredAuditLog>>()));
            services.TryAddSingleton<IAuditHistory>(sp => sp.GetRequiredService<StoredAuditLog>());
            services.TryAddSingleton<IAuditLog>(sp => new AuditFanOut([sp.GetRequiredService<JsonLinesAuditLog>(), sp.GetRequiredService<StoredAuditLog>()]));
        }

        services.TryAddSingleton(sp => new JsonLinesAuditLog(
            options, AuditLogPath(options, sp.GetRequiredService<DataLayout>()),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JsonLinesAuditLog>>()));
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<JsonLinesAuditLog>());
        services.TryAddSingleton<ITokenKeySource>(sp => new FileTokenKeySource(sp.GetRequiredService<IStorageVolume>().TokenKeyPath));
        return services;
    }

    /// <summary>
    /// Registers the <c>Auth</c> section with its checks (<see cref="AuthSettingsValidator"/>, generated from the
    /// attributes, and <see cref="AuthSettingsRules"/>), validated when the host starts. The host owns the
    /// section (it is optional); its records and checks are the core's.
    /// </summary>
    public static IServiceCollection AddOciCacheAuthSettings(this IServiceCollection services, AuthSettings auth) =>
        services.AddSettingsSection(auth)
            .AddSettingsValidator<AuthSettings, AuthSettingsValidator>()
            .AddSettingsValidator<AuthSettings, AuthSettingsRules>();

    /// <summary>The configured file, or <c>audit.log</c> in the data folder.</summary>
    public static string AuditLogPath(AuditLogOptions options, DataLayout layout) =>
        Path.GetFullPath(options.Path ?? layout.AuditLog);
}
