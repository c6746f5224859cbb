namespace OciCache.Storage;

/// <summary>
/// Failed sign-ins by source address, as times: in memory for one process (<see cref="MemorySignInFailureStore"/>),
/// or in PostgreSQL so that every replica counts the failures of all. The limit and the window are Auth's
/// (<c>Auth/SignInLimiter</c>); the store forgets what falls out of the window it is given.
/// </summary>
public interface ISignInFailureStore
{
    /// <summary>The failures of <paramref name="source"/> after <paramref name="since"/>: how many, and the oldest.</summary>
    Task<SignInFailures> FindAsync(string source, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failure at <paramref name="at"/>, forgetting those at or before <paramref name="since"/>. A
    /// source not tracked yet while <paramref name="maxSources"/> are makes the store forget every source
    /// first (an attacker with that many addresses could as well use new ones).
    /// </summary>
    Task AddAsync(string source, DateTimeOffset at, DateTimeOffset since, int maxSources, CancellationToken cancellationToken);
}

/// <summary>The failures of one source in the window; <paramref name="Oldest"/> is meaningless when <paramref name="Count"/> is 0.</summary>
public readonly record struct SignInFailures(int Count, DateTimeOffset Oldest);
