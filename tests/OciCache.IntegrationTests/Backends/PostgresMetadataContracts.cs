using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Time.Testing;
using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;
using OciCache.Testing.Storage;

namespace OciCache.IntegrationTests.Backends;

// The metadata roles' and console queries' contract suites (tests/OciCache.TestSupport/Storage), run on the
// shared PostgreSQL server with a fresh migrated database per test: PostgresMetadataIndex alone, and behind
// CachedMetadataIndex with the lifetimes serve gives it on PostgreSQL. The same suites run on SQLite in
// tests/OciCache.Tests/Storage.

/// <summary>How the PostgreSQL metadata backends of the contracts are built.</summary>
internal static class PostgresMetadataBackends
{
    public static MetadataBackend Plain(PostgresStoreDatabases databases)
    {
        var index = new PostgresMetadataIndex(databases.Open(), TimeProvider.System);
        return new MetadataBackend(index, index, index, index, index, databases.Dispose);
    }

    public static MetadataBackend Cached(PostgresStoreDatabases databases)
    {
        var index = new PostgresMetadataIndex(databases.Open(), TimeProvider.System);
        var cached = new CachedMetadataIndex(index, index, index, index, new MemoryCache(new MemoryCacheOptions { SizeLimit = 1000 }),
            CachedMetadataIndex.SharedDatabase);
        return new MetadataBackend(cached, cached, index, cached, cached, databases.Dispose);
    }
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresBlobIndexTests(ScaleOutBackends backends) : BlobIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Plain(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresCachedBlobIndexTests(ScaleOutBackends backends) : BlobIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Cached(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresManifestIndexTests(ScaleOutBackends backends) : ManifestIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Plain(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresCachedManifestIndexTests(ScaleOutBackends backends) : ManifestIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Cached(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresUploadIndexTests(ScaleOutBackends backends) : UploadIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Plain(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresEvictionIndexTests(ScaleOutBackends backends) : EvictionIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Plain(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresCachedEvictionIndexTests(ScaleOutBackends backends) : EvictionIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Cached(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresRepositoryCatalogTests(ScaleOutBackends backends) : RepositoryCatalogContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Plain(new(backends.Postgres));
}

[Collection(ScaleOutCollection.Name)]
public sealed class PostgresCachedRepositoryCatalogTests(ScaleOutBackends backends) : RepositoryCatalogContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => PostgresMetadataBackends.Cached(new(backends.Postgres));
}

/// <summary>The console queries contract on PostgreSQL, its rows written through the PostgreSQL index and pull counts.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresConsoleQueriesTests(ScaleOutBackends backends) : ConsoleQueriesContract
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);

    protected override (IConsoleQueries Queries, IBlobIndex Blobs, IManifestIndex Manifests, IPullCounts Pulls) Create(string folder, TimeProvider time)
    {
        var database = _databases.Open();
        var index = new PostgresMetadataIndex(database, time);
        return (new PostgresConsoleQueries(database), index, index, new PostgresPullCounts(database));
    }

    public override void Dispose()
    {
        _databases.Dispose();
        base.Dispose();
    }
}
