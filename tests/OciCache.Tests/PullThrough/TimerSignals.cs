using Microsoft.Extensions.Time.Testing;

namespace OciCache.Tests.PullThrough;

/// <summary>A <see cref="FakeTimeProvider"/> that tells when a timer of a given due time was set: a test advances the clock only once the wait it means to end has begun.</summary>
internal sealed class TimerSignals : FakeTimeProvider
{
    private readonly List<(TimeSpan Due, TaskCompletionSource Set)> _waits = [];

    /// <summary>Completes when a timer due in exactly <paramref name="due"/> is created (from now on).</summary>
    public Task WhenTimerSetAsync(TimeSpan due)
    {
        var set = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            _waits.Add((due, set));
        }

        return set.Task;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_waits)
        {
            foreach (var wait in _waits.Where(w => w.Due == dueTime).ToList())
            {
                _waits.Remove(wait);
                wait.Set.TrySetResult();
            }
        }

        return timer;
    }
}
