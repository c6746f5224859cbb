using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;
using OciCache.Testing.Storage;

namespace OciCache.IntegrationTests.Backends;

// The role stores' contract suites (tests/OciCache.TestSupport/Storage), run on the shared PostgreSQL
// server with a fresh database per test. The same suites run on SQLite in tests/OciCache.Tests/Storage.

/// <summary>The robot store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresRobotStoreTests(ScaleOutBackends backends) : RobotStoreContract
{
    // A field initializer runs before the base constructor, which calls Create.
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IRobotStore Create(string folder) => new PostgresRobotStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}

/// <summary>The API key store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresApiKeyStoreTests(ScaleOutBackends backends) : ApiKeyStoreContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IApiKeyStore Create(string folder) => new PostgresApiKeyStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}

/// <summary>The pin store contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresPinStoreTests(ScaleOutBackends backends) : PinStoreContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IPinStore Create(string folder) => new PostgresPinStore(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}

/// <summary>The pull counts contract on PostgreSQL.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresPullCountsTests(ScaleOutBackends backends) : PullCountsContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override IPullCounts Create(string folder) => new PostgresPullCounts(_databases.Open());

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}
