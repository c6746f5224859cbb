using System.Security.Cryptography;
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
///  upstream ──▶ producer ──write──▶ tmp/&lt;id&gt;.part ──commit (digest, size, fsync, rename)──▶ blobs/…
///                  │ publish "readable up to N"           ▲
///                  ▼                                      │ each reader follows the growing file
///              readers (the first client, late joiners, range requests), one file handle each
/// </code>
/// Readers may read everything written except the final byte, which is withheld until the whole blob
/// hashed to its digest: on a mismatch every reader fails, so a client's download is cut rather than
/// completed with wrong bytes. If the disk refuses bytes (full), the fill relays: what reached the file
/// is still read from it, the rest passes through a small in-memory window that waits for its slowest
/// reader, nothing is kept, and no new reader may join (new requests fetch on their own).
/// </summary>
internal sealed partial class BlobFill
{
    private const int ChunkSize = 128 * 1024;
    private const int RelayWindowChunks = 32;

    private readonly object _gate = new();
    private readonly FillSource _source;
    private readonly IBlobStore _store;
    private readonly PullThroughOptions _options;
    private readonly UpstreamPolicyOptions _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<RelayChunk> _window = [];
    private readonly HashSet<FillReader> _readers = [];
    private readonly HashSet<Repository> _requesters = [];

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;
    private long _readable;
    private long _inFile;
    private long? _length;
    private string? _tempPath;
    private bool _relaying;
    private bool _committed;
    private bool _verified;
    private bool _done;
    private Exception? _failure;
    private long _lastLeaseChange;
    private int _leases;

    public BlobFill(
        Digest digest, long? expectedSize, FillSource source, IBlobStore store,
        PullThroughOptions options, UpstreamPolicyOptions policy, TimeProvider time, ILogger logger)
    {
        Digest = digest;
        _length = expectedSize;
        _source = source;
        _store = store;
        _options = options;
        _policy = policy;
        _time = time;
        _logger = logger;
        _lastLeaseChange = time.GetTimestamp();
    }

    public Digest Digest { get; }

    /// <summary>Completes (never faults) when the fill ended; then <see cref="Published"/> or <see cref="Failure"/> tell how.</summary>
    public Task Completion => _completion.Task;

    /// <summary>True once the bytes are committed under their digest and recorded.</summary>
    public bool Published { get; private set; }

    public Exception? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>Bytes received from the upstream so far (progress displays).</summary>
    public long Received => Volatile.Read(ref _written);

    public long? Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    /// <summary>Repositories that asked for this blob while it was fetched; all of them get to see it.</summary>
    public IReadOnlyList<Repository> Requesters
    {
        get
        {
            lock (_gate)
            {
                return [.. _requesters];
            }
        }
    }

    public void AddRequester(Repository repository)
    {
        lock (_gate)
        {
            _requesters.Add(repository);
        }
    }

    /// <summary>Takes the creator's lease and starts the producer; <paramref name="finished"/> runs when it ends.</summary>
    public FillLease Start(Action<BlobFill> finished)
    {
        FillLease lease;
        lock (_gate)
        {
            _leases++;
            lease = new FillLease(this);
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync();
            }
            finally
            {
                finished(this);
                _completion.TrySetResult();
            }
        });
        return lease;
    }

    /// <summary>Waits until the upstream answered with headers; throws <see cref="UpstreamException"/> when it did not.</summary>
    public Task WaitForHeadersAsync(CancellationToken cancellationToken) => _headers.Task.WaitAsync(cancellationToken);

    public async Task<long> GetLengthAsync(CancellationToken cancellationToken)
    {
        await WaitForHeadersAsync(cancellationToken);
        if (Length is { } known)
        {
            return known;
        }

        await Completion.WaitAsync(cancellationToken);
        return Length ?? throw new IOException($"fetching {Digest} failed before its length was known", Failure);
    }

    /// <summary>
    /// A lease for a request joining the fill; it counts as a waiting client until disposed. Null when the
    /// fill can take no new reader (it is relaying, or it failed).
    /// </summary>
    public FillLease? TryJoin()
    {
        lock (_gate)
        {
            if (_relaying || _failure is not null)
            {
                return null;
            }

            _leases++;
            _lastLeaseChange = _time.GetTimestamp();
            return new FillLease(this);
        }
    }

    internal void Release()
    {
        lock (_gate)
        {
            _leases--;
            _lastLeaseChange = _time.GetTimestamp();
            if (_leases == 0 && !_done && !_options.CompleteOrphanedFills)
            {
                _abort.Cancel();
            }
        }
    }

    internal FillReader OpenReader(long offset)
    {
        lock (_gate)
        {
            var reader = new FillReader(this, OpenFile(), offset);
            _readers.Add(reader);
            return reader;
        }
    }

    internal void CloseReader(FillReader reader)
    {
        lock (_gate)
        {
            _readers.Remove(reader);
            Pulse();
        }
    }

    /// <summary>Reads at the reader's position, waiting for bytes that have not arrived yet; 0 at the verified end.</summary>
    internal async ValueTask<int> ReadAsync(FillReader reader, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            Memory<byte> fromFile;
            lock (_gate)
            {
                if (_failure is not null)
                {
                    throw new BlobFetchFailedException(Digest, _failure);
                }

                var available = _readable - reader.Position;
                if (available > 0 && reader.Position >= _inFile)
                {
                    // Past what reached the file: only a relaying fill gets here.
                    var copied = CopyFromWindow(reader.Position, buffer.Span[..(int)Math.Min(buffer.Length, available)]);
                    reader.Position += copied;
                    Pulse(); // the producer may be waiting for window space
                    return copied;
                }

                if (available > 0)
                {
                    fromFile = buffer[..(int)Math.Min(buffer.Length, available)];
                    changed = Task.CompletedTask;
                }
                else if (_done || _verified)
                {
                    return 0; // the verified end (or a relay that ended)
                }
                else
                {
                    fromFile = Memory<byte>.Empty;
                    changed = _changed.Task;
                }
            }

            if (!fromFile.IsEmpty)
            {
                var read = await RandomAccess.ReadAsync(reader.Handle!, fromFile, reader.Position, cancellationToken);
                reader.Position += read;
                return read;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        BlobWriter? writer = null;
        IncrementalHash? relayHash = null;
        try
        {
            using var response = await _source.OpenAsync(_abort.Token);
            SetAnnouncedLength(response.Content.Headers.ContentLength);
            writer = TryCreateWriter();
            lock (_gate)
            {
                _tempPath = writer?.TempPath;
                _relaying = writer is null;
            }

            relayHash = writer is null ? IncrementalHash.CreateHash(Digest.HashAlgorithmFor(Digest.Algorithm)) : null;
            _headers.TrySetResult();
            await using var body = await response.Content.ReadAsStreamAsync(_abort.Token);
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = await ReadWithStallTimeoutAsync(body, buffer)) > 0)
            {
                if (relayHash is null && !await TryWriteAsync(writer!, buffer.AsMemory(0, read)))
                {
                    relayHash = writer!.DetachHash(); // it covers exactly the bytes that reached the file
                }

                if (relayHash is not null)
                {
                    relayHash.AppendData(buffer, 0, read);
                    await AppendToWindowAsync(buffer.AsSpan(0, read).ToArray());
                }

                Advance(read, inFile: relayHash is null);
            }

            await FinishAsync(writer, relayHash);
        }
        catch (Exception e)
        {
            Fail(e);
        }
        finally
        {
            writer?.Dispose(); // deletes the temp file unless it was committed
            relayHash?.Dispose();
            _abort.Dispose();
        }
    }

    private void SetAnnouncedLength(long? announced)
    {
        lock (_gate)
        {
            if (_length is { } expected && announced is { } actual && expected != actual)
            {
                throw Invalid($"upstream announced {actual} bytes for {Digest}, expected {expected}");
            }

            _length ??= announced;
        }
    }

    private async Task<bool> TryWriteAsync(BlobWriter writer, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await writer.WriteAsync(bytes, _abort.Token);
            return true;
        }
        catch (IOException e)
        {
            LogRelaying(Digest, e.Message);
            lock (_gate)
            {
                _relaying = true;
            }

            return false;
        }
    }

    private async Task FinishAsync(BlobWriter? writer, IncrementalHash? relayHash)
    {
        long total;
        lock (_gate)
        {
            total = _written;
            if (_length is { } size && size != total)
            {
                throw Invalid($"upstream sent {total} of {size} bytes for {Digest}");
            }
        }

        var verified = relayHash is null
            ? writer!.Verify(Digest, total) == BlobCommitResult.Committed
            : Digest.FromHash(Digest.Algorithm, relayHash.GetHashAndReset()) == Digest;
        if (!verified)
        {
            throw Invalid($"upstream bytes do not hash to {Digest}");
        }

        // The bytes are right: clients get their last byte now. Making them durable (fsync, rename, the
        // row) is the cache's business and must not hold them up; if it fails, only the cache goes without.
        lock (_gate)
        {
            _length = total;
            _readable = total;
            _verified = true;
            Pulse();
        }

        if (relayHash is null)
        {
            try
            {
                await writer!.PublishAsync();
                lock (_gate)
                {
                    _committed = true;
                }

                await _source.PublishAsync(this, total);
                Published = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                LogNotKept(Digest, e.Message);
            }
        }

        lock (_gate)
        {
            _done = true;
            Pulse();
        }
    }

    private void Fail(Exception e)
    {
        var failure = e switch
        {
            UpstreamException => e,
            OperationCanceledException when _abort.IsCancellationRequested => new UpstreamException(
                new UpstreamFailure(UpstreamFailureKind.Timeout, "abandoned: no client waited for it")),
            _ => new UpstreamException(new UpstreamFailure(UpstreamFailureKind.Unreachable, e.Message)),
        };
        lock (_gate)
        {
            _failure = failure;
            _done = true;
            Pulse();
        }

        _headers.TrySetException(failure);
        var kind = ((UpstreamException)failure).Failure.Kind;
        if (kind == UpstreamFailureKind.Invalid)
        {
            LogInvalid(Digest, failure.Message);
        }
        else if (kind != UpstreamFailureKind.NotFound)
        {
            LogFailed(Digest, failure.Message);
        }
    }

    /// <summary>Publishes progress: everything written becomes readable except the final byte.</summary>
    private void Advance(int count, bool inFile)
    {
        lock (_gate)
        {
            _written += count;
            if (inFile)
            {
                _inFile = _written;
            }

            _readable = _written - 1;
            Pulse();
        }

        _source.OnBytes(count);
    }

    private async Task<int> ReadWithStallTimeoutAsync(Stream body, byte[] buffer)
    {
        lock (_gate)
        {
            if (_leases == 0 && _time.GetElapsedTime(_lastLeaseChange) > _options.OrphanedFillTimeout)
            {
                throw new UpstreamException(new UpstreamFailure(UpstreamFailureKind.Timeout,
                    $"abandoned: no client waited for {_options.OrphanedFillTimeout}"));
            }
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        stall.CancelAfter(_policy.StallTimeout);
        try
        {
            return await body.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            throw new UpstreamException(new UpstreamFailure(UpstreamFailureKind.Timeout,
                $"upstream sent nothing for {_policy.StallTimeout.TotalSeconds:0}s"));
        }
    }

    private BlobWriter? TryCreateWriter()
    {
        try
        {
            return _store.CreateWriter(Digest.Algorithm);
        }
        catch (IOException e)
        {
            LogRelaying(Digest, e.Message);
            return null;
        }
    }

    /// <summary>The file a new reader reads: the temp file while filling, the blob once committed, none when relaying from the start.</summary>
    private SafeFileHandle? OpenFile()
    {
        if (_tempPath is null && !_committed)
        {
            return null;
        }

        var final = _store.Layout.BlobPath(Digest);
        try
        {
            return File.OpenHandle(_committed ? final : _tempPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException) when (!_committed)
        {
            // Renamed between our check and the open: the commit is in progress, the bytes are final.
            return File.OpenHandle(final, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    private async Task AppendToWindowAsync(byte[] chunk)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var slowest = _readers.Count == 0 ? _written : _readers.Min(r => r.Position);
                while (_window.Count > 0 && _window[0].Offset + _window[0].Bytes.Length <= slowest)
                {
                    _window.RemoveAt(0);
                }

                if (_window.Count < RelayWindowChunks)
                {
                    _window.Add(new RelayChunk(_written, chunk));
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(_abort.Token);
        }
    }

    /// <summary>Copies relayed bytes at <paramref name="position"/>. Caller holds the lock.</summary>
    private int CopyFromWindow(long position, Span<byte> destination)
    {
        foreach (var chunk in _window)
        {
            if (position >= chunk.Offset && position < chunk.Offset + chunk.Bytes.Length)
            {
                var start = (int)(position - chunk.Offset);
                var count = Math.Min(destination.Length, chunk.Bytes.Length - start);
                chunk.Bytes.AsSpan(start, count).CopyTo(destination);
                return count;
            }
        }

        throw new IOException($"relayed bytes at offset {position} of {Digest} are no longer held");
    }

    /// <summary>Wakes every waiter. Caller holds the lock.</summary>
    private void Pulse()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private static UpstreamException Invalid(string detail) => new(new UpstreamFailure(UpstreamFailureKind.Invalid, detail));

    private sealed record RelayChunk(long Offset, byte[] Bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot store blob {Digest} ({Reason}); relaying it to clients without caching")]
    private partial void LogRelaying(Digest digest, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {Digest} reached its clients intact but could not be kept: {Reason}")]
    private partial void LogNotKept(Digest digest, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetch of blob {Digest} failed; nothing was published: {Reason}")]
    private partial void LogFailed(Digest digest, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upstream sent wrong content for blob {Digest}; nothing was published and clients were cut off: {Reason}")]
    private partial void LogInvalid(Digest digest, string reason);
}

/// <summary>A reader's fill failed: the upstream broke off or sent the wrong bytes. Already logged by the fill.</summary>
public sealed class BlobFetchFailedException(Digest digest, Exception inner)
    : IOException($"fetching {digest} from upstream failed: {inner.Message}", inner);
