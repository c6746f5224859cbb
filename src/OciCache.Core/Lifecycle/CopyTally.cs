using OciCache.Registry;

namespace OciCache.Lifecycle;

/// <summary>
/// What a run of copies (a prefetch, a sync job's run) did so far: manifests, blobs fetched and already
/// present, bytes stored, and the bytes of blobs still arriving, for progress displays. Safe to read while
/// the run goes on.
/// </summary>
public class CopyTally
{
    private readonly List<IGrowingBlob> _running = [];
    private readonly List<ImageFailure> _trustWarnings = [];
    private int _trustRefused;
    private int _manifests;
    private int _blobsFetched;
    private int _blobsPresent;
    private long _bytes;

    public int Manifests => Volatile.Read(ref _manifests);

    public int BlobsFetched => Volatile.Read(ref _blobsFetched);

    public int BlobsPresent => Volatile.Read(ref _blobsPresent);

    /// <summary>Bytes of the blobs fetched and stored by this run.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytes);

    /// <summary>Bytes received so far, including blobs still being fetched.</summary>
    public long BytesInFlight
    {
        get
        {
            lock (_running)
            {
                return BytesFetched + _running.Sum(f => f.Received);
            }
        }
    }

    /// <summary>Images a trust rule refused (enforce): not copied, and among the run's failures.</summary>
    public int TrustRefused => Volatile.Read(ref _trustRefused);

    /// <summary>Images a warning trust rule found unsigned or invalid: copied all the same, named here with the reason.</summary>
    public IReadOnlyList<ImageFailure> TrustWarnings
    {
        get
        {
            lock (_trustWarnings)
            {
                return [.. _trustWarnings];
            }
        }
    }

    internal void AddTrustRefused() => Interlocked.Increment(ref _trustRefused);

    internal void AddTrustWarning(ImageFailure warning)
    {
        lock (_trustWarnings)
        {
            _trustWarnings.Add(warning);
        }
    }

    internal void AddManifest() => Interlocked.Increment(ref _manifests);

    internal void AddPresent() => Interlocked.Increment(ref _blobsPresent);

    /// <summary>Waits for a blob being fetched, counting its bytes while it arrives and once it was stored.</summary>
    internal async Task<GrowingBlobOutcome> FollowAsync(IGrowingBlob blob, CancellationToken cancellationToken)
    {
        lock (_running)
        {
            _running.Add(blob);
        }

        GrowingBlobOutcome outcome;
        try
        {
            outcome = await blob.WhenDoneAsync(cancellationToken);
        }
        finally
        {
            lock (_running)
            {
                _running.Remove(blob);
            }
        }

        if (outcome.Stored)
        {
            Interlocked.Add(ref _bytes, outcome.Length);
            Interlocked.Increment(ref _blobsFetched);
        }

        return outcome;
    }
}
