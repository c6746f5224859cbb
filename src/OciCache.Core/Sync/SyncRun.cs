using OciCache.Lifecycle;
using OciCache.Oci;

namespace OciCache.Sync;

/// <summary>One run of a sync job: what it copied and fetched so far, what failed, and since when it runs.</summary>
public sealed class SyncRun : CopyTally
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly List<ImageFailure> _failed = [];
    private readonly HashSet<Digest> _seen = [];
    private int _images;
    private long _lastProgress;

    internal SyncRun(string job, TimeProvider time)
    {
        Job = job;
        _time = time;
        _started = time.GetTimestamp();
        _lastProgress = _started;
    }

    public string Job { get; }

    /// <summary>Images (tags and referrers) copied whole.</summary>
    public int Images => Volatile.Read(ref _images);

    /// <summary>True when the run did nothing because the cache is offline.</summary>
    public bool Skipped { get; internal set; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Each failure whole; its text is <c>IMAGE: REASON</c>.</summary>
    public IReadOnlyList<ImageFailure> Failed
    {
        get
        {
            lock (_failed)
            {
                return [.. _failed];
            }
        }
    }

    public bool Succeeded => !Skipped && Failed.Count == 0;

    internal void AddImage() => Interlocked.Increment(ref _images);

    /// <summary>True, once per <paramref name="every"/>, when a progress line is due.</summary>
    internal bool ProgressDue(TimeSpan every)
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastProgress, now) < every)
        {
            return false;
        }

        _lastProgress = now;
        return true;
    }

    internal void Fail(ImageFailure failure)
    {
        lock (_failed)
        {
            _failed.Add(failure);
        }
    }

    /// <summary>True the first time a digest is seen in this run (referrers shared by several tags are copied once).</summary>
    internal bool FirstTime(Digest digest)
    {
        lock (_seen)
        {
            return _seen.Add(digest);
        }
    }
}
