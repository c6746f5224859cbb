using OciCache.PullThrough;
using OciCache.Upstream;

namespace OciCache.Tests.PullThrough;

/// <summary>A fill's source that answers as the test says, counts its openings and records how the fill ended.</summary>
internal sealed class ScriptedSource(Func<CancellationToken, Task<UpstreamResult>> open) : IBlobSource
{
    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _opened;

    public ScriptedSource(UpstreamResult result)
        : this(_ => Task.FromResult(result))
    {
    }

    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Completes with whether the fill published, when it ended.</summary>
    public Task<bool> Ended => _ended.Task;

    public Task<UpstreamResult> OpenAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _opened);
        return open(cancellationToken);
    }

    public ValueTask EndAsync(bool published)
    {
        _ended.TrySetResult(published);
        return ValueTask.CompletedTask;
    }
}
