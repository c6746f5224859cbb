using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// One upstream fetch of one blob, shared by every request for it while it runs.
/// <code>
///  source ──▶ FillProducer ──slab──▶ window ──▶ hasher (another thread)
///                    │ write                 │
///                    ▼                       ▼ relaying: bytes the disk refused
///              tmp/&lt;id&gt;.part ──▶ readers (the first client, late joiners, ranges), one handle each
///                    └── verified: fsync, rename into blobs/, rows for every requester
/// </code>
/// Its collaborators are typed, and none calls back into the fill's creator: the source
/// (<see cref="IBlobSource"/>: the upstream, or across replicas the running fill of the replica that holds
/// the blob's fill lease, <see cref="ClusterBlobSource"/>), the publisher that keeps verified bytes
/// (<see cref="IBlobPublisher"/>), and the observer told about bytes, relaying and failure
/// (<see cref="IFillObserver"/>). Whoever needs to know that the fill ended awaits <see cref="Completion"/>.
/// The parts: <see cref="FillProgress"/> (the watermark readers follow, and the <see cref="FillPhase"/>),
/// <see cref="ChunkWindow"/> (recent chunks in memory), <see cref="FillProducer"/> (the loops) and
/// <see cref="FillWatchdog"/> (stall and orphan clocks, leases). This class starts them and commits.
/// Readers get every byte but the last until the whole blob hashed to its digest: on a mismatch every
/// reader fails, so a download is cut rather than completed with wrong bytes. A fill outlives the client
/// that started it (bounded by the orphan timeout).
/// </summary>
internal sealed partial class BlobFill
{
    /// <summary>Bytes per slab: one file write, one wake-up of the readers, one hash step.</summary>
    internal const int SlabSize = 512 * 1024;

    /// <summary>Slabs in the window: how far the hasher (and, relaying, the slowest reader) may trail the producer.</summary>
    internal const int SlabCount = 4;

    private readonly Repository _requester;
    private readonly IBlobSource _source;
    private readonly IFillObserver _observer;
    private readonly FillServices _services;
    private readonly ILogger _logger;
    private readonly FillProgress _progress;
    private readonly FillWatchdog _watchdog;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Repository> _requesters = [];
    private volatile BlobWriter? _writer;
    private volatile bool _committed;

    /// <param name="requester">The repository whose request made the fill: it gets the blob row, later requesters a link.</param>
    /// <param name="expectedSize">The size a manifest states, when known: the body is cut past it.</param>
    public BlobFill(Digest digest, long? expectedSize, Repository requester, IBlobSource source, IFillObserver observer, FillServices services)
    {
        Digest = digest;
        _requester = requester;
        _requesters.Add(requester);
        _source = source;
        _observer = observer;
        _services = services;
        _logger = services.Logger;
        _progress = new FillProgress(expectedSize, SlabSize, SlabCount);
        _watchdog = new FillWatchdog(services.Options, services.Policy, services.Time);
    }

    public Digest Digest { get; }

    /// <summary>Completes (never faults) when the fill ended; then <see cref="Phase"/> and <see cref="Failure"/> tell how.</summary>
    public Task Completion => _completion.Task;

    public FillPhase Phase => _progress.Phase;

    /// <summary>True once the bytes are committed under their digest and recorded.</summary>
    public bool Published => _progress.Phase == FillPhase.Published;

    public UpstreamFailure? Failure => _progress.Failure;

    /// <summary>Bytes received from the upstream so far (progress displays).</summary>
    public long Received => _progress.Received;

    public long? Length => _progress.Length;

    /// <summary>Requests holding a lease (waiting clients).</summary>
    public int Leases => _watchdog.Leases;

    /// <summary>Repositories that asked for this blob while it was fetched; all of them get to see it.</summary>
    public IReadOnlyList<Repository> Requesters
    {
        get
        {
            lock (_requesters)
            {
                return [.. _requesters];
            }
        }
    }

    public void AddRequester(Repository repository)
    {
        lock (_requesters)
        {
            _requesters.Add(repository);
        }
    }

    /// <summary>Takes the creator's lease and starts the fill; <see cref="Completion"/> tells when it ended.</summary>
    public FillLease Start()
    {
        var lease = Lease();
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync();
            }
            finally
            {
                _completion.TrySetResult();
            }
        });
        return lease;
    }

    /// <summary>
    /// A lease for a request joining the fill; it counts as a waiting client until disposed. Null when the
    /// fill can take no new reader (it relays, or it failed): that request fetches on its own.
    /// </summary>
    public FillLease? TryJoin() => _progress.AcceptsReaders ? Lease() : null;

    /// <summary>Waits until the upstream answered: null, or why it did not.</summary>
    public Task<UpstreamFailure?> WaitForHeadersAsync(CancellationToken cancellationToken) => _progress.Started.WaitAsync(cancellationToken);

    /// <summary>The blob's length once known (announced, or at the end); null when the fill failed before it was.</summary>
    public async Task<long?> GetLengthAsync(CancellationToken cancellationToken)
    {
        if (await WaitForHeadersAsync(cancellationToken) is not null)
        {
            return null;
        }

        if (Length is { } known)
        {
            return known;
        }

        await Completion.WaitAsync(cancellationToken);
        return _progress.Phase == FillPhase.Failed ? null : Length;
    }

    /// <summary>A reader from <paramref name="offset"/>, with its own handle on the fill's file; null when the file is gone.</summary>
    internal FillReader? OpenReader(long offset, bool reserved)
    {
        SafeFileHandle? handle = null;
        var needsFile = _writer is not null && offset < _progress.FileLimit; // relayed bytes live in the window only
        if (needsFile || _committed)
        {
            handle = OpenFile();
            if (handle is null)
            {
                if (reserved)
                {
                    _progress.Unreserve();
                }

                return null;
            }
        }

        return _progress.AddReader(new FillReader(_progress, handle, offset), reserved);
    }

    /// <summary>A lease gives up its claim to read (it waits for the end instead, or it ended).</summary>
    internal void Unreserve() => _progress.Unreserve();

    internal void Release() => _watchdog.ReleaseLease();

    private FillLease Lease()
    {
        _progress.Reserve();
        _watchdog.AddLease();
        return new FillLease(this);
    }

    private async Task RunAsync()
    {
        BlobWriter? writer = null;
        try
        {
            var opened = await OpenAsync();
            if (opened.Failure is { } refused)
            {
                Fail(refused);
                return;
            }

            using var response = opened.Response!;
            writer = TryCreateWriter();
            _writer = writer;
            if (!_progress.Begin(response.Content.Headers.ContentLength, relaying: writer is null))
            {
                Fail(Invalid($"upstream announced {response.Content.Headers.ContentLength} bytes for {Digest}, expected {_progress.Length}"));
                return;
            }

            var hashing = Task.Run(() => FillProducer.HashAsync(_progress, Digest.Algorithm));
            UpstreamFailure? broken;
            await using (var body = await response.Content.ReadAsStreamAsync(_watchdog.Token))
            {
                broken = await FillProducer.RunAsync(Digest, body, writer, _progress, _watchdog, Limit(), _observer);
            }

            if (broken is not null)
            {
                Fail(broken);
                await hashing;
                return;
            }

            var lengthOk = _progress.EndOfBody();
            var computed = await hashing;
            var total = _progress.Received;
            if (!lengthOk)
            {
                Fail(Invalid($"upstream sent {total} of {_progress.Length} bytes for {Digest}"));
                return;
            }

            if (computed != Digest)
            {
                Fail(Invalid($"upstream bytes do not hash to {Digest}"));
                return;
            }

            // The bytes are right: clients get their last byte now. Making them durable (fsync, rename, the
            // row) is the cache's business and must not hold them up; if it fails, only the cache goes without.
            _progress.Verify();
            _progress.Finish(kept: await CommitAsync(writer, total, computed.Value));
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            Fail(_watchdog.Reason ?? new UpstreamFailure(UpstreamFailureKind.Unreachable, FailureText.Describe(e)));
        }
        catch (Exception e)
        {
            // A defect, not an upstream failure: readers must still be released, never left waiting.
            LogDefect(e, Digest);
            Fail(new UpstreamFailure(UpstreamFailureKind.Unreachable, "internal error"));
        }
        finally
        {
            writer?.Dispose(); // deletes the temp file unless it was committed
            _watchdog.Dispose();
            _progress.Dispose();
            await _source.EndAsync(_committed);
        }
    }

    private async Task<UpstreamResult> OpenAsync()
    {
        try
        {
            return await _source.OpenAsync(_watchdog.Token);
        }
        catch (OperationCanceledException) when (_watchdog.Reason is { } reason)
        {
            return new UpstreamResult(null, reason);
        }
    }

    /// <summary>fsync, rename, rows. False when the blob could not be kept (relayed, or the disk or database refused).</summary>
    private async Task<bool> CommitAsync(BlobWriter? writer, long total, Digest computed)
    {
        if (writer is null || _progress.FileLimit != long.MaxValue)
        {
            return false; // relayed: not everything reached the file
        }

        try
        {
            if (writer.VerifyComputed(Digest, total, computed) != BlobCommitResult.Committed)
            {
                return false;
            }

            // Every repository that asked while the fetch ran may see the blob.
            await _services.Publisher.PublishVerifiedAsync(writer, Digest, total, [_requester, .. Requesters], CancellationToken.None);
            _committed = true;
            LogCached(Digest, total, _requester.Name);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or FailureException)
        {
            LogNotKept(Digest, e.Message);
            return false;
        }
    }

    private void Fail(UpstreamFailure failure)
    {
        _progress.Fail(failure);
        _observer.Failed(Digest, failure);
        if (failure.Kind == UpstreamFailureKind.Invalid)
        {
            LogInvalid(Digest, failure.Reason);
        }
        else if (failure.Kind != UpstreamFailureKind.NotFound)
        {
            LogFailed(Digest, failure.ToString());
        }
    }

    private BlobWriter? TryCreateWriter()
    {
        try
        {
            return _services.Store.CreateWriter(Digest.Algorithm);
        }
        catch (IOException e)
        {
            _observer.Relaying(Digest, e.Message);
            return null;
        }
    }

    /// <summary>The file a new reader reads: the temp file while filling, the blob once committed; null when neither is there.</summary>
    private SafeFileHandle? OpenFile() => _writer!.OpenFollower(Digest);

    /// <summary>
    /// The most bytes the body may bring: the known length (a manifest's descriptor or the Content-Length),
    /// else <see cref="PullThroughOptions.MaxBlobBytes"/>. One byte more fails the fill.
    /// </summary>
    private FillLimit Limit() => _progress.Length is { } known
        ? new FillLimit(known, Invalid($"upstream sent more than the {known} bytes expected for {Digest}"), IsLength: true)
        : new FillLimit(_services.Options.MaxBlobBytes,
            Invalid($"upstream sent more than Cache:MaxBlobBytes ({_services.Options.MaxBlobBytes} bytes) for {Digest}, whose size it did not announce"), IsLength: false);

    private static UpstreamFailure Invalid(string detail) => new(UpstreamFailureKind.Invalid, detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fill of blob {Digest} failed unexpectedly")]
    private partial void LogDefect(Exception exception, Digest digest);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cached blob {Digest} ({Size} bytes) for {Repository}")]
    private partial void LogCached(Digest digest, long size, string repository);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {Digest} reached its clients intact but could not be kept: {Reason}")]
    private partial void LogNotKept(Digest digest, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetch of blob {Digest} failed; nothing was published: {Reason}")]
    private partial void LogFailed(Digest digest, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upstream sent wrong content for blob {Digest}; nothing was published and clients were cut off: {Reason}")]
    private partial void LogInvalid(Digest digest, string reason);
}

/// <summary>
/// What every fill shares: the store its temp file goes to, the publisher of verified bytes, the limits and
/// the clock, and the logger.
/// </summary>
internal sealed record FillServices(
    IBlobStore Store, IBlobPublisher Publisher, PullThroughOptions Options, UpstreamPolicyOptions Policy, TimeProvider Time, ILogger Logger);
