using System.Data.Common;
using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// One fill's source across replicas: the replica that gets the fill lease fetches from the upstream and
/// renews the lease every third of <see cref="ClusterOptions.LeaseTimeout"/> while the fill runs; the others
/// follow the holder's fill (<see cref="PeerBlobSource"/>) and stay clients of it, so a cold blob costs one
/// upstream fetch however many replicas ask.
/// <code>
///  Acquire ─ granted ─▶ upstream, renew until the end; then release (kept until it runs out when
///     │                  published: a replica asking right after follows the stored copy)
///     └─ held by H ─▶ GET H/_cluster/fills/{digest} ─ 200 ─▶ follow H (its break breaks this fill)
///                        └─ no answer, or no fill ─▶ wait out H's lease, Acquire again
/// </code>
/// A holder that cannot serve is waited out until its lease expires (a dead one stops renewing, so the
/// next Acquire is granted and this replica asks the upstream itself); one that keeps renewing and keeps
/// refusing fails this fill after <see cref="Rounds"/> tries: two upstream fetches while a live holder
/// renews would break the promise. A metadata database that does not answer is not a reason to refuse a
/// client: the fill then asks the upstream directly.
/// </summary>
internal sealed partial class ClusterBlobSource(
    IFillLeases leases, PeerClient peers, Digest digest, IBlobSource upstream, TimeSpan leaseTimeout, TimeProvider time, ILogger logger) : IBlobSource
{
    /// <summary>Acquire attempts before a fill whose lease another live replica holds gives up.</summary>
    internal const int Rounds = 3;

    private readonly CancellationTokenSource _stop = new();
    private Task _renewing = Task.CompletedTask;
    private bool _held;
    private IBlobSource? _chosen;

    public async Task<UpstreamResult> OpenAsync(CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            FillLeaseClaim claim;
            try
            {
                claim = await leases.AcquireAsync(digest, cancellationToken);
            }
            catch (DbException e)
            {
                LogLeasesUnavailable(e, digest);
                return await UseAsync(upstream, cancellationToken);
            }

            if (claim.Granted)
            {
                _held = true;
                if (claim.ExpiresAt != DateTimeOffset.MaxValue)
                {
                    _renewing = RenewAsync(_stop.Token);
                }

                return await UseAsync(upstream, cancellationToken);
            }

            var peer = new PeerBlobSource(peers, claim.HolderUrl!, digest);
            var opened = await peer.OpenAsync(cancellationToken);
            if (opened.Failure is not { } failure)
            {
                _chosen = peer;
                LogFollowing(digest, claim.HolderUrl!);
                return opened;
            }

            LogHolderRefused(digest, claim.HolderUrl!, failure.ToString(), claim.ExpiresAt);
            if (round == Rounds)
            {
                return UpstreamResult.Fail(UpstreamFailureKind.Unreachable,
                    $"replica {claim.HolderUrl} holds the fetch of {digest} but does not serve it ({failure.Reason})");
            }

            // A first "no such fill" is most likely a fill that just ended, its lease released or about to be:
            // ask again at once. Anything else waits for the lease to run out (a live holder renews it first).
            if (round > 1 || failure.Kind != UpstreamFailureKind.NotFound)
            {
                var wait = claim.ExpiresAt - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }
        }
    }

    public async ValueTask EndAsync(bool published)
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
        if (_chosen is not null)
        {
            await _chosen.EndAsync(published);
        }

        // A published blob keeps its lease until it runs out: replicas that ask meanwhile follow the stored
        // copy here rather than fetching it again. Anything else frees the fetch for the next asker at once.
        if (_held && !published)
        {
            try
            {
                await leases.ReleaseAsync(digest, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogReleaseFailed(e, digest); // it runs out by itself
            }
        }
    }

    private Task<UpstreamResult> UseAsync(IBlobSource source, CancellationToken cancellationToken)
    {
        _chosen = source;
        return source.OpenAsync(cancellationToken);
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        var period = leaseTimeout / 3;
        while (true)
        {
            try
            {
                await Task.Delay(period, time, stop);
                if (!await leases.RenewAsync(digest, stop))
                {
                    LogLeaseLost(digest);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRenewFailed(e, digest); // tried again next period; the lease lasts three of them
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob {Digest} is being fetched by replica {Holder}; following its fill")]
    private partial void LogFollowing(Digest digest, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Holder} holds the fetch of blob {Digest} until {ExpiresAt} but did not serve it: {Reason}")]
    private partial void LogHolderRefused(Digest digest, string holder, string reason, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fill leases unavailable; fetching blob {Digest} from the upstream without one")]
    private partial void LogLeasesUnavailable(Exception exception, Digest digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the fill lease of blob {Digest}")]
    private partial void LogRenewFailed(Exception exception, Digest digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The fill lease of blob {Digest} ran out and another replica took it; this fill goes on")]
    private partial void LogLeaseLost(Digest digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the fill lease of blob {Digest}; it runs out by itself")]
    private partial void LogReleaseFailed(Exception exception, Digest digest);
}
