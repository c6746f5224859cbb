using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OciCache.Storage.Postgres;

internal static class PostgresSessionServices
{
    /// <summary>
    /// Console sessions, pending OIDC sign-ins and the sign-in limiter's failures in PostgreSQL (migration 5),
    /// shared by every replica on the database: the host's access control takes these stores when they are
    /// registered, and keeps its own in memory otherwise. Needs the <see cref="PostgresDatabase"/> singleton.
    /// </summary>
    public static IServiceCollection AddPostgresSessions(this IServiceCollection services)
    {
        services.TryAddSingleton<IConsoleSessionStore>(static p => new PostgresConsoleSessionStore(p.GetRequiredService<PostgresDatabase>()));
        services.TryAddSingleton<IPendingSignInStore>(static p => new PostgresPendingSignInStore(p.GetRequiredService<PostgresDatabase>()));
        services.TryAddSingleton<ISignInFailureStore>(static p => new PostgresSignInFailureStore(p.GetRequiredService<PostgresDatabase>()));
        return services;
    }
}
