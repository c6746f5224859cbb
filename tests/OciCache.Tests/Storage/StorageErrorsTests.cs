using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>
/// Storage turns SQLite's failures into storage failures: a write through <see cref="SqliteWriter"/> fails
/// with a <see cref="FailureException"/>, never with the SQLite exception, so nothing above Storage names a
/// SQLite error code. Real databases, really locked, full and read-only. (A full volume is covered by the
/// disk-full tests of uploads and fills.)
/// </summary>
public sealed class StorageErrorsTests : IDisposable
{
    private readonly TempDirectory _temp = new("storage-errors");
    private readonly SqliteWriter _writer = new();
    private readonly string _path;

    public StorageErrorsTests()
    {
        _path = _temp.Combine("meta.db");
        Execute(ConnectionString, "PRAGMA journal_mode=WAL; CREATE TABLE t (x BLOB);");
    }

    public void Dispose()
    {
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task RunAsync_DatabaseLockedByAnotherConnection_FailsWithStorageUnavailableAndARetryAfter()
    {
        await using var other = Connect();
        await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock

        var refused = await Assert.ThrowsAsync<FailureException>(() => _writer.RunAsync(() =>
            Execute(ConnectionString + ";Default Timeout=1", "INSERT INTO t VALUES (1);"))); // 1 s, not the server's 30

        var failure = Assert.IsType<StorageUnavailable>(refused.Failure);
        Assert.Equal("the metadata database is busy", failure.Message);
        Assert.Equal(TimeSpan.FromSeconds(10), failure.RetryAfter);
        Assert.IsType<SqliteException>(refused.InnerException);
    }

    [Fact]
    public async Task RunAsync_DatabaseOutOfPages_FailsWithStorageFull()
    {
        var refused = await Assert.ThrowsAsync<FailureException>(() => _writer.RunAsync(() =>
        {
            using var connection = Connect();
            Execute(connection, "PRAGMA max_page_count=" + PageCount(connection) + ";");
            return Execute(connection, "INSERT INTO t VALUES (zeroblob(1048576));");
        }));

        Assert.Equal(new StorageFull("metadata database"), refused.Failure);
    }

    [Fact]
    public async Task RunAsync_DatabaseOpenedReadOnly_FailsWithStorageUnavailableWithoutRetryAfter()
    {
        var refused = await Assert.ThrowsAsync<FailureException>(() => _writer.RunAsync(() =>
            Execute(ConnectionString + ";Mode=ReadOnly", "INSERT INTO t VALUES (1);")));

        Assert.Equal(StorageUnavailable.ReadOnly(), refused.Failure);
    }

    [Fact]
    public async Task RunAsync_OtherSqliteError_IsNotAStorageFailure()
    {
        await Assert.ThrowsAsync<SqliteException>(() => _writer.RunAsync(() => Execute(ConnectionString, "INSERT INTO missing VALUES (1);")));
    }

    [Fact]
    public void AsFailure_NoSpaceOnTheVolume_IsStorageFull()
    {
        Assert.Equal(new StorageFull("data volume"), StorageErrors.AsFailure(new IOException("No space left on device", 28)));
        Assert.Null(StorageErrors.AsFailure(new IOException("Connection reset")));
    }

    private string ConnectionString => $"Data Source={_path};Pooling=False";

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private static long PageCount(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_count;";
        return (long)command.ExecuteScalar()!;
    }

    private static int Execute(string connectionString, string sql)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        return Execute(connection, sql);
    }

    private static int Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
