using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The read seam of the contract (<see cref="IBlobStore.OpenReadAsync"/>): what a response, a range request,
/// an export and the scrub rely on, whatever keeps the bytes.
/// </summary>
public abstract partial class BlobStoreContract
{
    [Fact]
    public async Task OpenRead_CommittedBlob_HasItsLengthAndReadsItsBytesFromTheStart()
    {
        var blob = await CommitAsync(TestBlob.Random(300_000, seed: 20));

        await using var content = await Store.OpenReadAsync(blob.Digest);

        Assert.NotNull(content);
        Assert.Equal(blob.Size, content.Length);
        Assert.True(content.Stream.CanSeek);
        Assert.Equal(blob.Size, content.Stream.Length);
        var copy = new MemoryStream();
        await content.Stream.CopyToAsync(copy);
        Assert.Equal(blob.Bytes, copy.ToArray());
    }

    [Fact]
    public async Task OpenRead_Stream_SeeksToAnOffset()
    {
        var blob = await CommitAsync(TestBlob.Random(10_000, seed: 21));
        await using var content = await Store.OpenReadAsync(blob.Digest);

        content!.Stream.Seek(9_000, SeekOrigin.Begin);
        var tail = new MemoryStream();
        await content.Stream.CopyToAsync(tail);

        Assert.Equal(blob.Bytes[9_000..], tail.ToArray());
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(4_000, 1_000)]
    [InlineData(9_990, 10)]
    public async Task ReadAt_ARange_ReadsExactlyThoseBytes(int offset, int count)
    {
        var blob = await CommitAsync(TestBlob.Random(10_000, seed: 22));
        await using var content = await Store.OpenReadAsync(blob.Digest);

        var buffer = new byte[count];
        var done = 0;
        while (done < count)
        {
            var read = await content!.ReadAtAsync(offset + done, buffer.AsMemory(done), CancellationToken.None);
            Assert.True(read > 0, "the range ended early");
            done += read;
        }

        Assert.Equal(blob.Bytes.AsSpan(offset, count).ToArray(), buffer);
    }

    [Fact]
    public async Task ReadAt_AtOrPastTheEnd_ReadsNothing_AndABufferPastTheEndIsCutToTheBlob()
    {
        var blob = await CommitAsync(TestBlob.Random(1_000, seed: 23));
        await using var content = await Store.OpenReadAsync(blob.Digest);
        var buffer = new byte[64];

        Assert.Equal(0, await content!.ReadAtAsync(1_000, buffer, CancellationToken.None));
        Assert.Equal(0, await content.ReadAtAsync(5_000, buffer, CancellationToken.None));
        var last = await content.ReadAtAsync(990, buffer, CancellationToken.None);
        Assert.InRange(last, 1, 10);
        Assert.Equal(blob.Bytes.AsSpan(990, last).ToArray(), buffer.AsSpan(0, last).ToArray());
    }

    [Fact]
    public async Task OpenRead_MissingBlob_IsNull()
    {
        var never = TestBlob.Random(10, seed: 24);

        Assert.Null(await Store.OpenReadAsync(never.Digest));
        Assert.Null(await Store.GetLengthAsync(never.Digest));
    }

    [Fact]
    public async Task OpenRead_BlobDeletedWhileOpen_KeepsReadingToTheEnd_AndANewOpenFindsNothing()
    {
        var blob = await CommitAsync(TestBlob.Random(200_000, seed: 25));
        await using var content = await Store.OpenReadAsync(blob.Digest);
        var head = new byte[1_000];
        Assert.Equal(1_000, await content!.Stream.ReadAsync(head));

        Assert.True(Store.Delete(blob.Digest)); // eviction takes it while a client downloads

        var rest = new MemoryStream();
        await content.Stream.CopyToAsync(rest);
        Assert.Equal(blob.Bytes, head.Concat(rest.ToArray()).ToArray());
        if (OpenedContentOutlivesDelete)
        {
            Assert.Equal(blob.Bytes.AsSpan(150_000, 10).ToArray(), await ReadAtAsync(content, 150_000, 10));
        }
        else
        {
            var gone = await Assert.ThrowsAsync<IOException>(() => ReadAtAsync(content, 150_000, 10));
            Assert.Contains("deleted", gone.Message, StringComparison.Ordinal);
        }

        Assert.Null(await Store.OpenReadAsync(blob.Digest));
    }

    [Fact]
    public async Task OpenRead_QuarantinedBlob_IsNull()
    {
        var blob = await CommitAsync(TestBlob.Random(100, seed: 26));

        Assert.True(Store.Quarantine(blob.Digest));

        Assert.Null(await Store.OpenReadAsync(blob.Digest));
    }

    [Fact]
    public async Task OpenRead_TwoReadersOfOneBlob_ReadIndependently()
    {
        var blob = await CommitAsync(TestBlob.Random(5_000, seed: 27));
        await using var first = await Store.OpenReadAsync(blob.Digest);
        await using var second = await Store.OpenReadAsync(blob.Digest);

        first!.Stream.Seek(4_000, SeekOrigin.Begin);

        Assert.Equal(blob.Bytes, await second!.ReadAllAsync(CancellationToken.None));
        Assert.Equal(blob.Bytes.AsSpan(4_000, 10).ToArray(), await ReadAtAsync(first, 4_000, 10));
    }

    private static async Task<byte[]> ReadAtAsync(BlobContent content, long offset, int count)
    {
        var buffer = new byte[count];
        var read = await content.ReadAtAsync(offset, buffer, CancellationToken.None);
        return buffer[..read];
    }
}
