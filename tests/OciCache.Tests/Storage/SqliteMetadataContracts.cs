using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

// The metadata contract suites (tests/OciCache.TestSupport/Storage) on a real SQLite file, alone and behind
// CachedMetadataIndex. The same suites run on PostgreSQL in tests/OciCache.IntegrationTests/Backends.

public sealed class SqliteBlobIndexTests : BlobIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Sqlite(temp);
}

public sealed class CachedBlobIndexTests : BlobIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Cached(temp);
}

public sealed class SqliteManifestIndexTests : ManifestIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Sqlite(temp);
}

public sealed class CachedManifestIndexTests : ManifestIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Cached(temp);
}

public sealed class SqliteUploadIndexTests : UploadIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Sqlite(temp);
}

public sealed class CachedUploadIndexTests : UploadIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Cached(temp);
}

public sealed class SqliteEvictionIndexTests : EvictionIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Sqlite(temp);
}

public sealed class CachedEvictionIndexTests : EvictionIndexContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Cached(temp);
}

public sealed class SqliteRepositoryCatalogTests : RepositoryCatalogContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Sqlite(temp);
}

public sealed class CachedRepositoryCatalogTests : RepositoryCatalogContract
{
    protected override MetadataBackend CreateBackend(TempDirectory temp) => MetadataBackends.Cached(temp);
}
