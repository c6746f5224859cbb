using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Upstream;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// The fill's units together, against a real file store, a body fed byte by byte and fake time. Sizes
/// span several slabs (<see cref="BlobFill.SlabSize"/>) so that the window, the hasher and the file
/// readers all take part.
/// </summary>
public sealed class BlobFillTests
{
    private const int Size = BlobFill.SlabSize * 5 + 12345;

    [Fact]
    public async Task Read_LateJoinerAndFirstReader_BothGetTheWholeBlob()
    {
        await using var h = new FillHarness(Random(Size, 1));
        var first = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, Size / 2);
        var head = await FillHarness.ReadExactlyAsync(first, Size / 4);

        var late = h.Join().OpenRead(0)!;
        h.Send(Size / 2, Size);
        h.Body.End();

        var (lateBytes, lateFailure) = await FillHarness.ReadToEndAsync(late);
        var (restBytes, restFailure) = await FillHarness.ReadToEndAsync(first);
        Assert.Null(lateFailure);
        Assert.Null(restFailure);
        Assert.Equal(h.Blob, lateBytes);
        Assert.Equal(h.Blob, head.Concat(restBytes).ToArray());
        Assert.Equal(Size, await h.Published);
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Published, h.Fill.Phase);
        await using var stored = await h.Store.OpenReadAsync(h.Digest);
        Assert.NotNull(stored);
        Assert.Equal(h.Blob, await stored.ReadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Read_AllBytesArrivedButNotEnded_WithholdsTheLastByteUntilVerified()
    {
        await using var h = new FillHarness(Random(Size, 2));
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, Size);
        var allButLast = await FillHarness.ReadExactlyAsync(reader, Size - 1);
        Assert.Equal(h.Blob[..^1], allButLast);

        var last = reader.ReadAsync(new byte[16], CancellationToken.None).AsTask();
        await h.Body.WaitForPendingReadAsync(); // the producer consumed everything and waits for more
        Assert.False(last.IsCompleted);
        Assert.Equal(FillPhase.Filling, h.Fill.Phase);

        h.Body.End();
        var read = await last;
        Assert.Null(read.Failure);
        Assert.Equal(1, read.Count);
        Assert.Equal(0, (await reader.ReadAsync(new byte[16], CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Read_RangeOpenedDuringTheFill_StartsAtItsOffset()
    {
        await using var h = new FillHarness(Random(Size, 3));
        await h.StartAsync();
        h.Send(0, 1000);
        var offset = BlobFill.SlabSize * 3 + 17; // past what has arrived
        var ranged = h.Join().OpenRead(offset)!;
        h.Send(1000, Size);
        h.Body.End();

        var (bytes, failure) = await FillHarness.ReadToEndAsync(ranged);
        Assert.Null(failure);
        Assert.Equal(h.Blob[offset..], bytes);
    }

    [Fact]
    public async Task Fill_BytesDoNotHashToTheDigest_CutsEveryReaderAndKeepsNothing()
    {
        var blob = Random(Size, 4);
        var wrong = (byte[])blob.Clone();
        wrong[^1] ^= 0xff; // only the last byte differs: every other byte was already handed out
        await using var h = new FillHarness(wrong, digest: Digest.ComputeSha256(blob));
        var first = (await h.StartAsync()).OpenRead(0)!;
        var second = h.Join().OpenRead(BlobFill.SlabSize)!;
        h.Send(0, Size);
        h.Body.End();

        var (firstBytes, firstFailure) = await FillHarness.ReadToEndAsync(first);
        var (_, secondFailure) = await FillHarness.ReadToEndAsync(second);
        Assert.Contains("do not hash", firstFailure);
        Assert.Contains("do not hash", secondFailure);
        Assert.True(firstBytes.Length < Size, "the last byte must never be handed out");
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Failed, h.Fill.Phase);
        Assert.Equal(UpstreamFailureKind.Invalid, h.Fill.Failure!.Kind);
        Assert.Equal(UpstreamFailureKind.Invalid, Assert.Single(h.Failures).Kind);
        Assert.Null(await h.Store.GetLengthAsync(h.Fill.Digest));
        Assert.Empty(Directory.EnumerateFiles(h.Layout.Temp));
        Assert.False(h.Published.IsCompleted);
    }

    [Fact]
    public async Task Fill_UpstreamSendsFewerBytesThanAnnounced_FailsAsInvalid()
    {
        await using var h = new FillHarness(Random(Size, 5));
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, Size - 10);
        h.Body.End();

        var (_, failure) = await FillHarness.ReadToEndAsync(reader);
        Assert.Contains($"sent {Size - 10} of {Size} bytes", failure);
    }

    [Fact]
    public async Task Fill_KnownSizeAndAnEndlessBody_StopsAtTheSizePlusOneAndKeepsNothing()
    {
        // A manifest said 100 bytes; the upstream sends no length and does not stop.
        var blob = Random(100, 21);
        await using var h = new FillHarness(blob, announceLength: false, expectedSize: 100);
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, 100);
        h.Body.Send(Random(3 * BlobFill.SlabSize, 22)); // and on, and on

        var (bytes, failure) = await FillHarness.ReadToEndAsync(reader).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("more than the 100 bytes expected", failure);
        Assert.True(bytes.Length <= 100, $"a reader got {bytes.Length} bytes");
        await h.Fill.Completion;
        Assert.Equal(UpstreamFailureKind.Invalid, h.Fill.Failure!.Kind);
        Assert.Equal(101, h.Fill.Received);
        Assert.Empty(Directory.EnumerateFiles(h.Layout.Temp));
        Assert.False(h.Published.IsCompleted);
    }

    [Fact]
    public async Task Fill_UnknownSizePastMaxBlobBytes_StopsAtTheCap()
    {
        var blob = Random(Size, 23);
        await using var h = new FillHarness(blob, o => o.MaxBlobBytes = 5000, announceLength: false);
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, Size);

        var (_, failure) = await FillHarness.ReadToEndAsync(reader).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("Cache:MaxBlobBytes", failure);
        await h.Fill.Completion;
        Assert.Equal(5001, h.Fill.Received);
        Assert.Empty(Directory.EnumerateFiles(h.Layout.Temp));
    }

    [Fact]
    public async Task Fill_UpstreamResets_CutsReadersWithTheReason()
    {
        await using var h = new FillHarness(Random(Size, 6));
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, Size / 3);
        await FillHarness.ReadExactlyAsync(reader, Size / 4);
        h.Body.Break();

        var (_, failure) = await FillHarness.ReadToEndAsync(reader);
        Assert.Contains("reset", failure);
        await h.Fill.Completion;
        Assert.Equal(UpstreamFailureKind.Unreachable, h.Fill.Failure!.Kind);
        Assert.Empty(Directory.EnumerateFiles(h.Layout.Temp));
    }

    [Fact]
    public async Task Fill_UpstreamSendsNothingForTheStallTimeout_FailsWithTimeout()
    {
        // No minimum rate: any byte re-arms the clock (the rate has its own test).
        await using var h = new FillHarness(Random(Size, 7), minBodyRate: 0);
        var reader = (await h.StartAsync()).OpenRead(0)!;
        h.Send(0, 5000);
        await FillHarness.ReadExactlyAsync(reader, 4999);
        await h.Body.WaitForPendingReadAsync();

        h.Time.Advance(FillHarness.Policy.StallTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(FillPhase.Filling, h.Fill.Phase); // one millisecond short: still waiting

        h.Send(5000, 6000); // a byte re-arms the clock for the full timeout
        await FillHarness.ReadExactlyAsync(reader, 1000);
        await h.Body.WaitForPendingReadAsync();
        h.Time.Advance(FillHarness.Policy.StallTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(FillPhase.Filling, h.Fill.Phase);

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var (_, failure) = await FillHarness.ReadToEndAsync(reader);
        Assert.Contains("sent nothing for 30s", failure);
        Assert.Equal(UpstreamFailureKind.Timeout, h.Fill.Failure!.Kind);
    }

    [Fact]
    public async Task Fill_UpstreamTricklesOneByteJustInsideTheStallTimeout_FailsBelowTheMinimumRate()
    {
        await using var h = new FillHarness(Random(Size, 24)); // the default minimum rate: 1 KiB/s
        var reader = (await h.StartAsync()).OpenRead(0)!;
        await h.Body.WaitForPendingReadAsync();
        h.Time.Advance(FillHarness.Policy.StallTimeout - TimeSpan.FromSeconds(1));
        h.Send(0, 1); // 29 s of silence, then one byte: never 30 s of silence
        await h.Body.WaitForPendingReadAsync();
        Assert.Equal(FillPhase.Filling, h.Fill.Phase);

        h.Time.Advance(TimeSpan.FromSeconds(1)); // 30 s of waiting brought 1 byte, not 30 KiB

        var (_, failure) = await FillHarness.ReadToEndAsync(reader).WaitAsync(TimeSpan.FromMinutes(1)); // a bound on a hang, not a timing
        Assert.Contains("sent 1 bytes in 30s, below UpstreamPolicy:MinBodyRate", failure);
        await h.Fill.Completion;
        Assert.Equal(UpstreamFailureKind.Timeout, h.Fill.Failure!.Kind);
    }

    [Fact]
    public async Task Fill_UpstreamBringsTheRateInEachWindow_KeepsFillingAndPublishes()
    {
        await using var h = new FillHarness(Random(Size, 25));
        var reader = (await h.StartAsync()).OpenRead(0)!;
        for (var window = 0; window < 3; window++)
        {
            await h.Body.WaitForPendingReadAsync();
            h.Time.Advance(FillHarness.Policy.StallTimeout - TimeSpan.FromSeconds(1));
            h.Send(window * 40_000, (window + 1) * 40_000); // 40 KB after 29 s: above 1 KiB/s
        }

        h.Send(3 * 40_000, Size);
        h.Body.End();

        var (bytes, failure) = await FillHarness.ReadToEndAsync(reader);
        Assert.Null(failure);
        Assert.Equal(h.Blob, bytes);
        Assert.Equal(Size, await h.Published);
    }

    [Fact]
    public async Task Fill_EveryClientLeft_RunsOnUntilTheOrphanTimeoutThenStops()
    {
        // No minimum rate: the trickle below is alive, and only the orphan bound may stop it.
        await using var h = new FillHarness(Random(Size, 8), o => o.OrphanedFillTimeout = TimeSpan.FromMinutes(2), minBodyRate: 0);
        var lease = await h.StartAsync();
        var reader = lease.OpenRead(0)!;
        h.Send(0, 1000);
        await FillHarness.ReadExactlyAsync(reader, 999);
        reader.Dispose();
        lease.Dispose();

        // The upstream trickles a byte every 20 s (never a 30 s stall), but nobody waits any more.
        for (var step = 0; step < 5; step++)
        {
            h.Send(1000 + step, 1001 + step);
            await h.Body.WaitForPendingReadAsync();
            h.Time.Advance(TimeSpan.FromSeconds(20));
        }

        Assert.False(h.Fill.Completion.IsCompleted); // 100 s of the 120
        h.Send(1005, 1006);
        await h.Body.WaitForPendingReadAsync();
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Failed, h.Fill.Phase);
        Assert.Contains("abandoned", h.Fill.Failure!.Detail);
        Assert.Empty(Directory.EnumerateFiles(h.Layout.Temp));
    }

    [Fact]
    public async Task Fill_AJoinerArrivesBeforeTheOrphanTimeout_KeepsTheFillAlive()
    {
        await using var h = new FillHarness(Random(Size, 9), o => o.OrphanedFillTimeout = TimeSpan.FromMinutes(5), stallTimeout: TimeSpan.FromHours(1));
        var lease = await h.StartAsync();
        lease.Dispose();
        h.Time.Advance(TimeSpan.FromMinutes(4));
        var joined = h.Join().OpenRead(0)!;
        h.Time.Advance(TimeSpan.FromMinutes(10)); // the orphan clock stopped when the joiner came
        h.Send(0, Size);
        h.Body.End();

        var (bytes, failure) = await FillHarness.ReadToEndAsync(joined);
        Assert.Null(failure);
        Assert.Equal(h.Blob, bytes);
    }

    [Fact]
    public async Task Fill_LastClientLeavesWithOrphanedFillsOff_StopsAtOnce()
    {
        await using var h = new FillHarness(Random(Size, 10), o => o.CompleteOrphanedFills = false);
        var lease = await h.StartAsync();
        h.Send(0, 1000);
        lease.Dispose();

        await h.Fill.Completion;
        Assert.Equal(FillPhase.Failed, h.Fill.Phase);
        Assert.Contains("abandoned", h.Fill.Failure!.Detail);
    }

    [Fact]
    public async Task Fill_LastReaderLeavesMidway_CompletesAndPublishes()
    {
        await using var h = new FillHarness(Random(Size, 11));
        var lease = await h.StartAsync();
        var reader = lease.OpenRead(0)!;
        h.Send(0, Size / 2);
        await FillHarness.ReadExactlyAsync(reader, 100);
        reader.Dispose();
        lease.Dispose();

        h.Send(Size / 2, Size);
        h.Body.End();
        Assert.Equal(Size, await h.Published);
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Published, h.Fill.Phase);
        Assert.True(await h.Store.GetLengthAsync(h.Digest) is not null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fill_TempFile_IsReservedAheadOfTheWritesOnlyWhenTheLengthIsKnown(bool announced)
    {
        await using var h = new FillHarness(Random(Size, 16), announceLength: announced);
        var lease = await h.StartAsync();
        using var reader = lease.OpenRead(0)!;
        h.Send(0, BlobFill.SlabSize);
        await FillHarness.ReadExactlyAsync(reader, 100); // the first slab reached the file

        var part = Assert.Single(Directory.GetFiles(h.Layout.Temp, "*.part"));
        Assert.True(new FileInfo(part).Length < Size, "the reservation must not change the file's length");
        var allocated = await FileAllocation.BytesAsync(part);
        if (announced)
        {
            Assert.True(allocated >= Size, $"{allocated} bytes allocated for a blob of {Size}");
        }
        else
        {
            Assert.True(allocated < Size, $"{allocated} bytes allocated for a body of unknown length"); // a short body would leave them in the blob
        }

        h.Send(BlobFill.SlabSize, Size);
        h.Body.End();
        Assert.Equal(Size, await h.Published);
    }

    [Fact]
    public async Task Fill_UnannouncedLength_IsKnownAtTheEnd()
    {
        await using var h = new FillHarness(Random(Size, 12), announceLength: false);
        var lease = await h.StartAsync();
        Assert.Null(lease.Length);
        var length = lease.GetLengthAsync(CancellationToken.None);
        var reader = lease.OpenRead(0)!;
        h.Send(0, Size);
        h.Body.End();

        var (bytes, failure) = await FillHarness.ReadToEndAsync(reader);
        Assert.Null(failure);
        Assert.Equal(h.Blob, bytes);
        Assert.Equal(Size, await length);
    }

    [Fact]
    public async Task Fill_DiskFullMidway_RelaysEveryByteToItsReadersAndKeepsNothing()
    {
        // A real full disk: a tmpfs smaller than the blob. The window then holds what the disk refused
        // until the slowest reader has it, and no new reader may join.
        const int big = BlobFill.SlabSize * 24;
        await using var disk = await SmallFilesystem.MountAsync(BlobFill.SlabSize * 8);
        await using var h = new FillHarness(Random(big, 13), dataFolder: disk.Path);
        var fast = (await h.StartAsync()).OpenRead(0)!;
        var slow = h.Join().OpenRead(0)!;
        var sending = Task.Run(async () =>
        {
            for (var offset = 0; offset < big; offset += BlobFill.SlabSize)
            {
                h.Send(offset, offset + BlobFill.SlabSize);
                await h.Body.WaitForPendingReadAsync();
            }

            h.Body.End();
        });

        var fastRead = FillHarness.ReadToEndAsync(fast);
        await Eventually.TrueAsync(() => h.Fill.Phase == FillPhase.Relaying, "the fill to start relaying");
        Assert.Null(h.Fill.TryJoin());
        var (slowBytes, slowFailure) = await FillHarness.ReadToEndAsync(slow);
        var (fastBytes, fastFailure) = await fastRead;
        await sending;

        Assert.Null(fastFailure);
        Assert.Null(slowFailure);
        Assert.Equal(h.Blob, fastBytes);
        Assert.Equal(h.Blob, slowBytes);
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Unkept, h.Fill.Phase);
        Assert.Null(await h.Store.GetLengthAsync(h.Digest));
        Assert.False(h.Published.IsCompleted);
    }

    [Fact]
    public async Task Fill_DiskFullFromTheStart_KeepsTheRelayedBytesUntilTheFirstReaderOpens()
    {
        // The volume is full before the first byte: nothing reaches a file, the window is the only copy, and
        // the request that started the fill opens its reader only after its headers went out. The fill may
        // even end before that: every byte must still be there for it.
        await using var disk = await SmallFilesystem.MountAsync(256 * 1024);
        Directory.CreateDirectory(Path.Combine(disk.Path, "tmp"));
        FillUp(Path.Combine(disk.Path, "filler"));
        const int size = BlobFill.SlabSize * 2 + 100;
        await using var h = new FillHarness(Random(size, 14), dataFolder: disk.Path);
        var lease = await h.StartAsync();
        h.Send(0, size);
        h.Body.End();
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Unkept, h.Fill.Phase);
        Assert.Single(h.Observer.RelayReasons); // told once, when the disk first refused
        Assert.Equal(size, h.Observer.ReceivedBytes);

        var (bytes, failure) = await FillHarness.ReadToEndAsync(lease.OpenRead(0)!);
        Assert.Null(failure);
        Assert.Equal(h.Blob, bytes);
    }

    [Fact]
    public async Task Publish_RepositoriesAskedDuringTheFill_RecordedWithTheCreatorFirst()
    {
        var other = Repository.Mirror("docker.io", "library/other");
        const int size = BlobFill.SlabSize + 10;
        await using var h = new FillHarness(Random(size, 15));
        await h.StartAsync();
        Assert.Equal([FillHarness.Requester], h.Fill.Requesters); // the console shows who asked from the start
        h.Fill.AddRequester(other);
        h.Fill.AddRequester(FillHarness.Requester);
        h.Send(0, size);
        h.Body.End();

        Assert.Equal(size, await h.Published);
        Assert.Equal(FillHarness.Requester, h.Publisher.Repositories[0]);
        Assert.Contains(other, h.Publisher.Repositories);
        await h.Fill.Completion;
        Assert.Equal(FillPhase.Published, h.Fill.Phase);
        Assert.Equal(size, h.Observer.ReceivedBytes);
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task Fill_UpstreamRefuses_HeadersCarryTheFailureAsAValue()
    {
        var refused = new UpstreamFailure(UpstreamFailureKind.ServerError, "upstream answered 503");
        using var temp = new TempDirectory("fill");
        var store = new OciCache.Storage.FileBlobStore(new OciCache.Storage.DataLayout(temp.Path));
        var observer = new RecordingObserver();
        var publisher = new CommittingPublisher();
        var services = new FillServices(store, publisher, new PullThroughOptions(), FillHarness.Policy,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var fill = new BlobFill(Digest.ComputeSha256([1]), null, FillHarness.Requester, new ScriptedSource(new UpstreamResult(null, refused)), observer, services);
        using var lease = fill.Start();

        Assert.Equal(refused, await fill.WaitForHeadersAsync(CancellationToken.None));
        await fill.Completion;
        Assert.Null(fill.TryJoin());
        Assert.Null(await lease.GetLengthAsync(CancellationToken.None));
        Assert.Equal(refused, Assert.Single(observer.Failures));
        Assert.False(publisher.Published.IsCompleted);
    }

    private static void FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // full
        }
    }

    private static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
