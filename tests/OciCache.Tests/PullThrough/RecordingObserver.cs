using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Upstream;

namespace OciCache.Tests.PullThrough;

/// <summary>A fill observer that keeps what it was told: the bytes, the relay reasons and the failures.</summary>
internal sealed class RecordingObserver : IFillObserver
{
    private readonly List<UpstreamFailure> _failures = [];
    private readonly List<string> _relaying = [];
    private long _received;

    public long ReceivedBytes => Interlocked.Read(ref _received);

    public IReadOnlyList<UpstreamFailure> Failures
    {
        get { lock (_failures) { return [.. _failures]; } }
    }

    public IReadOnlyList<string> RelayReasons
    {
        get { lock (_relaying) { return [.. _relaying]; } }
    }

    public void Received(int count) => Interlocked.Add(ref _received, count);

    public void Relaying(Digest digest, string reason)
    {
        lock (_relaying)
        {
            _relaying.Add(reason);
        }
    }

    public void Failed(Digest digest, UpstreamFailure failure)
    {
        lock (_failures)
        {
            _failures.Add(failure);
        }
    }
}
