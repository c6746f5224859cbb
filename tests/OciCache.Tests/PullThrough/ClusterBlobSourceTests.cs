using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// A fill whose lease another replica holds, against a real Kestrel playing that replica (its
/// <c>/_cluster/fills/</c> answer scripted), an in-memory lease table and fake time: the fill follows the
/// holder as it receives, breaks when the holder breaks, and asks the upstream itself only once a dead
/// holder's lease ran out.
/// </summary>
public sealed class ClusterBlobSourceTests : IAsyncDisposable
{
    private const string Secret = "a-secret-of-more-than-thirty-two-characters";
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(15);

    private readonly byte[] _blob = Random(BlobFill.SlabSize * 3 + 777, 7);
    private readonly TempDirectory _temp = new("cluster-fill");
    private readonly TimerSignals _time = new();
    private readonly InMemoryFillLeases.Table _table = new();
    private readonly FillLeaseHolder _me = FillLeaseHolder.Create("http://127.0.0.1:1", LeaseTimeout);
    private readonly PeerClient _peers = new(new ClusterSecret(new ClusterOptions { Secret = Secret }), FillHarness.Policy);
    private readonly TaskCompletionSource _holderMaySendTheRest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScriptedUpstream? _holder;

    private Digest Digest => Digest.ComputeSha256(_blob);

    [Fact]
    public async Task Open_LeaseHeldByALiveReplica_FollowsItsFillBeforeItEnds()
    {
        string? authorization = null;
        await StartHolderAsync(async context =>
        {
            authorization = context.Request.Headers.Authorization;
            await SendHalfAsync(context);
            await _holderMaySendTheRest.Task;
            await context.Response.Body.WriteAsync(_blob.AsMemory(_blob.Length / 2));
        });
        var upstream = new ScriptedSource(UpstreamResult.Fail(UpstreamFailureKind.ServerError, "must not be asked"));
        var (fill, leases) = NewFill(upstream);
        InMemoryFillLeases.Refuse(_table, Digest, FillLeaseHolder.Create(_holder!.Url, LeaseTimeout), _time.GetUtcNow() + LeaseTimeout);

        using var lease = fill.Start();
        Assert.Null(await fill.WaitForHeadersAsync(CancellationToken.None));
        using var reader = lease.OpenRead(0)!;
        var head = await FillHarness.ReadExactlyAsync(reader, _blob.Length / 2 - 1); // the holder has not finished (one byte always waits)
        _holderMaySendTheRest.SetResult();
        var (rest, failure) = await FillHarness.ReadToEndAsync(reader);

        Assert.Null(failure);
        Assert.Equal(_blob, head.Concat(rest).ToArray());
        await fill.Completion;
        Assert.Equal(FillPhase.Published, fill.Phase);
        Assert.Equal(0, upstream.Opened);
        Assert.Equal($"Bearer {Secret}", authorization);
        Assert.Equal([$"/_cluster/fills/{Digest}"], _holder.Paths);
        Assert.Equal(0, leases.Releases); // it held nothing
    }

    [Fact]
    public async Task Open_HolderBreaksMidBlob_ReadersAreCutOffAndNothingIsKept()
    {
        await StartHolderAsync(async context =>
        {
            await SendHalfAsync(context);
            await _holderMaySendTheRest.Task;
            context.Abort(); // the holder died mid-blob
        });
        var upstream = new ScriptedSource(UpstreamResult.Fail(UpstreamFailureKind.ServerError, "must not be asked"));
        var (fill, _) = NewFill(upstream);
        InMemoryFillLeases.Refuse(_table, Digest, FillLeaseHolder.Create(_holder!.Url, LeaseTimeout), _time.GetUtcNow() + LeaseTimeout);

        using var lease = fill.Start();
        Assert.Null(await fill.WaitForHeadersAsync(CancellationToken.None));
        using var reader = lease.OpenRead(0)!;
        await FillHarness.ReadExactlyAsync(reader, _blob.Length / 2 - 1);
        _holderMaySendTheRest.SetResult();
        var (_, failure) = await FillHarness.ReadToEndAsync(reader);

        Assert.NotNull(failure);
        await fill.Completion;
        Assert.Equal(FillPhase.Failed, fill.Phase);
        Assert.Equal(0, upstream.Opened);
        Assert.Null(await new FileBlobStore(new DataLayout(_temp.Path)).GetLengthAsync(Digest));
    }

    [Fact]
    public async Task Open_HolderUnreachable_WaitsOutItsLeaseThenFetchesFromTheUpstream()
    {
        var upstream = new ScriptedSource(_ => Task.FromResult(UpstreamResult.Ok(Response(_blob))));
        var (fill, leases) = NewFill(upstream);
        InMemoryFillLeases.Refuse(_table, Digest, FillLeaseHolder.Create($"http://127.0.0.1:{ClosedPort()}", LeaseTimeout), _time.GetUtcNow() + LeaseTimeout);
        var waiting = _time.WhenTimerSetAsync(LeaseTimeout);

        using var lease = fill.Start();
        await waiting; // refused, the holder did not answer: the fill waits for the lease to run out
        Assert.Equal(0, upstream.Opened);
        Assert.False(fill.WaitForHeadersAsync(CancellationToken.None).IsCompleted);
        _time.Advance(LeaseTimeout);

        Assert.Null(await fill.WaitForHeadersAsync(CancellationToken.None));
        var (bytes, failure) = await FillHarness.ReadToEndAsync(lease.OpenRead(0)!);
        Assert.Null(failure);
        Assert.Equal(_blob, bytes);
        Assert.Equal(1, upstream.Opened);
        Assert.Equal(2, leases.Acquires);
        Assert.Equal(_me.Id, _table.Get(Digest)!.Value.Holder.Id); // taken over
    }

    [Fact]
    public async Task Open_LiveHolderKeepsRefusingToServe_FailsRatherThanFetchingTwice()
    {
        await StartHolderAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized; // e.g. a different secret
            return Task.CompletedTask;
        });
        var upstream = new ScriptedSource(UpstreamResult.Fail(UpstreamFailureKind.ServerError, "must not be asked"));
        var (fill, leases) = NewFill(upstream);
        var holder = FillLeaseHolder.Create(_holder!.Url, LeaseTimeout);
        InMemoryFillLeases.Refuse(_table, Digest, holder, _time.GetUtcNow() + LeaseTimeout);

        var waiting = _time.WhenTimerSetAsync(LeaseTimeout);
        using var lease = fill.Start();
        for (var round = 1; round < ClusterBlobSource.Rounds; round++)
        {
            await waiting;
            InMemoryFillLeases.Refuse(_table, Digest, holder, _time.GetUtcNow() + LeaseTimeout + LeaseTimeout); // it renews
            waiting = _time.WhenTimerSetAsync(LeaseTimeout);
            _time.Advance(LeaseTimeout);
        }

        var failure = await fill.WaitForHeadersAsync(CancellationToken.None);
        Assert.Equal(UpstreamFailureKind.Unreachable, failure?.Kind);
        Assert.Equal(0, upstream.Opened);
        Assert.Equal(ClusterBlobSource.Rounds, leases.Acquires);
    }

    [Fact]
    public async Task Open_LeaseGranted_RenewsWhileFillingAndReleasesWhenTheFillFails()
    {
        var body = new ControlledBody();
        var upstream = new ScriptedSource(_ => Task.FromResult(UpstreamResult.Ok(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) })));
        var (fill, leases) = NewFill(upstream);

        var renewal = _time.WhenTimerSetAsync(LeaseTimeout / 3);
        using var lease = fill.Start();
        Assert.Null(await fill.WaitForHeadersAsync(CancellationToken.None));
        await body.WaitForPendingReadAsync();
        await renewal;
        var expiresAt = _table.Get(Digest)!.Value.ExpiresAt;
        _time.Advance(LeaseTimeout / 3);
        await _table.Renewed.WaitAsync();
        Assert.Equal(expiresAt + LeaseTimeout / 3, _table.Get(Digest)!.Value.ExpiresAt);

        body.Break();
        await fill.Completion;
        Assert.Equal(FillPhase.Failed, fill.Phase);
        Assert.Equal(1, leases.Releases);
        Assert.Null(_table.Get(Digest));
    }

    [Fact]
    public async Task Open_LeaseGrantedAndPublished_KeepsTheLeaseUntilItRunsOut()
    {
        var upstream = new ScriptedSource(_ => Task.FromResult(UpstreamResult.Ok(Response(_blob))));
        var (fill, leases) = NewFill(upstream);

        using var lease = fill.Start();
        Assert.Null(await fill.WaitForHeadersAsync(CancellationToken.None));
        var (bytes, _) = await FillHarness.ReadToEndAsync(lease.OpenRead(0)!);
        await fill.Completion;

        Assert.Equal(_blob, bytes);
        Assert.Equal(FillPhase.Published, fill.Phase);
        Assert.Equal(0, leases.Releases); // replicas asking now follow the stored copy here
        Assert.Equal(_me.Id, _table.Get(Digest)!.Value.Holder.Id);
    }

    public async ValueTask DisposeAsync()
    {
        _holderMaySendTheRest.TrySetResult();
        if (_holder is not null)
        {
            await _holder.DisposeAsync();
        }

        _peers.Dispose();
        _temp.Dispose();
    }

    private (BlobFill Fill, InMemoryFillLeases Leases) NewFill(IBlobSource upstream)
    {
        var leases = new InMemoryFillLeases(_table, _me, LeaseTimeout, _time);
        var origin = new ClusterBlobSource(leases, _peers, Digest, upstream, LeaseTimeout, _time, NullLogger.Instance);
        var store = new FileBlobStore(new DataLayout(_temp.Path));
        var options = new PullThroughOptions { OrphanedFillTimeout = TimeSpan.FromMinutes(10) };
        var services = new FillServices(store, new CommittingPublisher(), options, FillHarness.Policy, _time, NullLogger.Instance);
        return (new BlobFill(Digest, null, FillHarness.Requester, origin, new RecordingObserver(), services), leases);
    }

    private async Task StartHolderAsync(Func<HttpContext, Task> respond) => _holder = await ScriptedUpstream.StartAsync(respond);

    private async Task SendHalfAsync(HttpContext context)
    {
        context.Response.ContentLength = _blob.Length;
        await context.Response.Body.WriteAsync(_blob.AsMemory(0, _blob.Length / 2));
        await context.Response.Body.FlushAsync();
    }

    private static HttpResponseMessage Response(byte[] blob) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(blob) };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
