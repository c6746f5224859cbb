using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;
using OciCache.Testing.Storage;

namespace OciCache.IntegrationTests.Backends;

// The session stores' contract suites on the shared PostgreSQL server, a fresh database per test; each
// Create opens its own PostgresDatabase (its own pool) on that database, so Store and Other are two replicas.

/// <summary>The console session store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresConsoleSessionStoreTests(ScaleOutBackends backends) : ConsoleSessionStoreContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IConsoleSessionStore Create() => new PostgresConsoleSessionStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}

/// <summary>The pending sign-in store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresPendingSignInStoreTests(ScaleOutBackends backends) : PendingSignInStoreContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IPendingSignInStore Create() => new PostgresPendingSignInStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}

/// <summary>The sign-in failure store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresSignInFailureStoreTests(ScaleOutBackends backends) : SignInFailureStoreContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override ISignInFailureStore Create() => new PostgresSignInFailureStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}
