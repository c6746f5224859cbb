using System.Net;
using Microsoft.Data.Sqlite;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>A database held busy by another process is waited for, not turned into a 500.</summary>
public sealed class SqliteBusyTests
{
    [Fact]
    public async Task PushWhileAnotherConnectionHoldsTheWriteLock_WaitsAndSucceeds()
    {
        await using var server = await RegistryServer.StartAsync();
        var blob = TestBlob.Random(10_000, seed: 1801);
        var layout = new DataLayout(server.DataPath);
        await using var other = new SqliteConnection($"Data Source={layout.Database};Pooling=False");
        await other.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock

        var push = server.Client.PostAsync($"/v2/site/app/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        // The blob is verified and in place before its row is written: from here the push needs the lock.
        await Eventually.TrueAsync(() => File.Exists(layout.BlobPath(blob.Digest)) || push.IsCompleted, "the push reaches its database write");
        Assert.False(push.IsCompleted, "the push did not wait for the lock");
        await transaction.CommitAsync();

        using var response = await push;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
