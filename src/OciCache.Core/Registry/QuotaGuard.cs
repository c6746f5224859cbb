using System.Diagnostics.Metrics;
using OciCache.Oci;
using OciCache.Observability;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// Keeps the local repositories of each quota (<c>Quotas</c>) within its bytes. A write that adds content
/// to a local repository (an upload's final PUT or monolithic POST, a mount, a manifest push) is admitted
/// first: for every quota covering the repository, in configuration order, the quota's gate is taken, its
/// use measured (<see cref="IBlobIndex.MeasureAsync"/>), and the write refused with
/// <see cref="Denied"/> when what it adds (its digests the quota does not hold yet) would take the use over
/// the limit. The caller writes while it holds the <see cref="QuotaAdmission"/>, so check and link are one
/// step per quota in this process.
/// </summary>
/// <remarks>
/// Replicas sharing a database each have their own gates: two writes on two replicas can both pass and
/// together overshoot a quota by at most what they add. The next write then sees the use as it is.
/// Deletes give space back when garbage collection removes the links only that quota held; no bookkeeping
/// is kept beside the links, so nothing can drift.
/// </remarks>
public sealed class QuotaGuard
{
    /// <summary>A scrape older than this since the last measurement measures again (deletes and GC are seen so).</summary>
    public static readonly TimeSpan SnapshotAge = TimeSpan.FromSeconds(5);

    private readonly Quota[] _quotas;
    private readonly IBlobIndex _blobs;
    private readonly TimeProvider _time;

    public QuotaGuard(IReadOnlyList<QuotaOptions> quotas, IBlobIndex blobs, CacheMetrics metrics, TimeProvider time)
    {
        _quotas = [.. quotas.Select((q, i) => new Quota(q.EffectiveName(i), [.. q.Repositories.Select(RepositoryPattern.Parse)], q.MaxBytes))];
        _blobs = blobs;
        _time = time;
        if (_quotas.Length > 0)
        {
            metrics.Observe("quota_bytes", () => _quotas.Select(q => new Measurement<long>(q.UsedBytes, new KeyValuePair<string, object?>("quota", q.Name))),
                "Bytes the local repositories of each quota hold, each blob and manifest once.", RefreshStaleAsync);
            metrics.Observe("quota_limit_bytes", () => _quotas.Select(q => new Measurement<long>(q.MaxBytes, new KeyValuePair<string, object?>("quota", q.Name))),
                "The limit of each quota (Quotas:N:MaxBytes).");
        }
    }

    public IReadOnlyList<Quota> Quotas => _quotas;

    /// <summary>
    /// Admits a write of <paramref name="adding"/> (digest and size of each blob or manifest it links) to
    /// <paramref name="repository"/>, or refuses it. Dispose the admission once the write is done (or failed);
    /// call <see cref="QuotaAdmission.Written"/> between when it was written.
    /// </summary>
    /// <exception cref="FailureException"><see cref="Denied"/>, naming the quota, its use, its limit and what the write adds.</exception>
    public async Task<QuotaAdmission> AdmitAsync(Repository repository, IReadOnlyCollection<(Digest Digest, long Size)> adding, CancellationToken cancellationToken)
    {
        var covering = _quotas.Where(q => q.Covers(repository)).ToList();
        if (covering.Count == 0)
        {
            return QuotaAdmission.None;
        }

        var admission = new QuotaAdmission(_time);
        try
        {
            var digests = adding.Select(a => a.Digest).Distinct().ToList();
            foreach (var quota in covering) // configuration order: two writes take shared gates in one order
            {
                await quota.Gate.WaitAsync(cancellationToken);
                admission.Hold(quota);
                var usage = await _blobs.MeasureAsync(quota.Repositories, digests, cancellationToken);
                var added = Added(usage, adding);
                quota.Record(usage.Bytes, _time.GetUtcNow());
                if (usage.Bytes + added > quota.MaxBytes && added > 0)
                {
                    throw new FailureException(new Denied(quota.Refusal(usage.Bytes, added), null));
                }

                admission.Adds(quota, added);
            }

            return admission;
        }
        catch
        {
            admission.Dispose();
            throw;
        }
    }

    /// <summary>What a write adds to a quota: the sizes of its digests the quota does not hold yet, each once.</summary>
    public static long Added(QuotaUsage usage, IEnumerable<(Digest Digest, long Size)> adding) =>
        adding.DistinctBy(a => a.Digest).Where(a => !usage.Held.Contains(a.Digest)).Sum(a => a.Size);

    /// <summary>Measures every quota now (the console and <c>/api/storage</c>), and keeps the result for metrics.</summary>
    public async Task<IReadOnlyList<(Quota Quota, long UsedBytes)>> MeasureAllAsync(CancellationToken cancellationToken)
    {
        var result = new List<(Quota, long)>(_quotas.Length);
        foreach (var quota in _quotas)
        {
            var usage = await _blobs.MeasureAsync(quota.Repositories, [], cancellationToken);
            quota.Record(usage.Bytes, _time.GetUtcNow());
            result.Add((quota, usage.Bytes));
        }

        return result;
    }

    /// <summary>A scrape's refresh: quotas measured longer than <see cref="SnapshotAge"/> ago are measured again.</summary>
    private async Task RefreshStaleAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var quota in _quotas.Where(q => q.MeasuredAt is not { } at || now - at >= SnapshotAge))
        {
            var usage = await _blobs.MeasureAsync(quota.Repositories, [], cancellationToken);
            quota.Record(usage.Bytes, _time.GetUtcNow());
        }
    }
}

/// <summary>
/// The quotas a write was admitted by, their gates held until it is disposed. <see cref="Written"/> raises
/// their kept use by what the write added, so metrics show it before the next measurement.
/// </summary>
public sealed class QuotaAdmission : IDisposable
{
    internal static readonly QuotaAdmission None = new(TimeProvider.System);

    private readonly TimeProvider _time;
    private readonly List<(Quota Quota, long Added)> _held = [];
    private readonly List<Quota> _gates = [];

    internal QuotaAdmission(TimeProvider time) => _time = time;

    internal void Hold(Quota quota) => _gates.Add(quota);

    internal void Adds(Quota quota, long added) => _held.Add((quota, added));

    /// <summary>The write is done: its bytes count in the kept use of each quota.</summary>
    public void Written()
    {
        foreach (var (quota, added) in _held)
        {
            quota.Record(quota.UsedBytes + added, _time.GetUtcNow());
        }
    }

    public void Dispose()
    {
        foreach (var quota in _gates)
        {
            quota.Gate.Release();
        }

        _gates.Clear();
        _held.Clear();
    }
}
