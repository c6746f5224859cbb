using Microsoft.Extensions.DependencyInjection.Extensions;
using OciCache.Access;
using OciCache.Auth;
using OciCache.SignIn;
using OciCache.Storage;

namespace OciCache.Hosting;

/// <summary>
/// Registers access control. Without an <c>Auth</c> section only a disabled <see cref="AccessControl"/> (and
/// no audit log): every request is let through, as before access control existed.
/// </summary>
internal static class AccessControlServices
{
    public static IServiceCollection AddAccessControl(this IServiceCollection services, OciCacheSettings settings)
    {
        if (settings.Auth is not { } auth)
        {
            services.TryAddSingleton(new AuditTrail(null));
            services.TryAddSingleton(static _ => new AccessControl(null, null, null, null, new AuditTrail(null)));
            return services;
        }

        services.AddOciCacheAuthSettings(auth); // AuthSettings itself, checked at start
        services.AddOciCacheAuthStores(auth.AuditLog); // robot accounts in the database, audit.log
        services.TryAddSingleton(static p => AccessPolicy.Create(p.GetRequiredService<AuthSettings>()));
        services.TryAddSingleton(static p =>
        {
            // Once, by the first token issued or checked (the container builds a singleton once); no synchronization
            // context here, so waiting on the source (a file, or the shared database) cannot deadlock.
            var key = p.GetRequiredService<ITokenKeySource>().LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
            return new TokenSigner(key, p.GetRequiredService<AuthSettings>().Service, p.GetRequiredService<TimeProvider>());
        });
        // The stores are in memory unless one is registered (PostgreSQL: AddPostgresSessions), so replicas share them.
        services.TryAddSingleton(static p => new SignInLimiter(
            p.GetService<ISignInFailureStore>() ?? new MemorySignInFailureStore(), p.GetRequiredService<TimeProvider>(),
            p.GetRequiredService<AuthSettings>().FailedSignIns));
        services.TryAddSingleton(static p => new AuditTrail(p.GetService<IAuditLog>(), p.GetRequiredService<TimeProvider>()));
        if (auth.Htpasswd is not null)
        {
            // A singleton of the container, so its timer stops with the server.
            services.TryAddSingleton(static p => new HtpasswdFile(p.GetRequiredService<AuthSettings>().Htpasswd!,
                p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILoggerFactory>().CreateLogger("OciCache.Auth.Htpasswd")));
        }

        services.TryAddSingleton(static p => new CredentialVerifier(p.GetService<HtpasswdFile>(), p.GetService<IRobotAccounts>(),
            p.GetRequiredService<SignInLimiter>(), p.GetRequiredService<AuditTrail>(), p.GetRequiredService<TimeProvider>(), p.GetService<IApiKeys>(),
            p.GetRequiredService<AuthSettings>().ApiKeyMaxLifetime));
        services.TryAddSingleton(static p =>
        {
            var auth = p.GetRequiredService<AuthSettings>();
            return new ConsoleSessions(p.GetService<IConsoleSessionStore>() ?? new MemoryConsoleSessionStore(), p.GetRequiredService<TimeProvider>(),
                auth.SessionIdleTimeout, auth.SessionLifetime);
        });
        services.TryAddSingleton(static p => new PendingSignIns(p.GetService<IPendingSignInStore>() ?? new MemoryPendingSignInStore(), p.GetRequiredService<TimeProvider>()));
        if (auth.Oidc is { } oidc)
        {
            services.TryAddSingleton(p => new OidcClient(oidc, new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, p.GetRequiredService<TimeProvider>()));
        }

        // The signer (its key, and OpenSSL with it) is built by the first token issued or checked, not at start;
        // PublicationOnly: a key source that failed once (the shared database away) is asked again next time.
        services.TryAddSingleton(static p => new AccessControl(
            p.GetRequiredService<AuthSettings>(), p.GetRequiredService<AccessPolicy>(), new Lazy<TokenSigner>(p.GetRequiredService<TokenSigner>, LazyThreadSafetyMode.PublicationOnly),
            p.GetRequiredService<CredentialVerifier>(), p.GetRequiredService<AuditTrail>(), p.GetRequiredService<ConsoleSessions>()));
        return services;
    }
}
