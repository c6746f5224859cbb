using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Caching.Memory;
using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The SQLite backends of the metadata contracts: SQLite alone, and SQLite behind the in-memory <see cref="CachedMetadataIndex"/>.</summary>
public static class MetadataBackends
{
    public static MetadataBackend Sqlite(TempDirectory temp)
    {
        var sqlite = new SqliteMetadataIndex(new SqliteDatabase(temp.Combine("meta.db")), TimeProvider.System);
        return new MetadataBackend(sqlite, sqlite, sqlite, sqlite, sqlite, SqliteConnection.ClearAllPools);
    }

    public static MetadataBackend Cached(TempDirectory temp)
    {
        var sqlite = new SqliteMetadataIndex(new SqliteDatabase(temp.Combine("meta.db")), TimeProvider.System);
        var cached = new CachedMetadataIndex(sqlite, sqlite, sqlite, sqlite, new MemoryCache(new MemoryCacheOptions { SizeLimit = 1000 }));
        return new MetadataBackend(cached, cached, sqlite, cached, cached, SqliteConnection.ClearAllPools);
    }
}
