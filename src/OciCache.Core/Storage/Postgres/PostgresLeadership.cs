using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Observability;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="ILeadership"/> for replicas sharing one PostgreSQL database: a lease in <c>cluster_leader</c>
/// (migration 4), one row named <see cref="LeaseName"/> with its holder and expiry. Every third of
/// <see cref="LeaseTimeout"/> each replica runs one statement that takes the row when it is free or expired,
/// or renews it when the replica holds it; any other holder's live row is left as it is.
/// </summary>
/// <remarks>
/// <code>
///  replica A ─ every LeaseTimeout/3 ─▶ INSERT … ON CONFLICT DO UPDATE … WHERE holder = A OR expires_at &lt;= now
///                                       1 row: A leads until now + LeaseTimeout;  0 rows: another replica does
///  A stops renewing (killed, cut off) ─▶ its row expires ─▶ the next round of B takes it
/// </code>
/// Times are the injected <see cref="TimeProvider"/>'s, so the replicas' clocks must agree (NTP) to well
/// within <see cref="LeaseTimeout"/>. A replica counts itself leader only until the expiry it wrote, measured
/// from before the statement ran: when the database cannot be reached it stops leading on its own, no later
/// than another replica may take over. Stopping the host deletes the row, so another replica takes over at
/// its next round rather than after the timeout.
/// </remarks>
internal sealed partial class PostgresLeadership : BackgroundService, ILeadership
{
    public const string LeaseName = "leader";

    /// <summary>The lease's life when no <c>Cluster:LeaseTimeout</c> is given.</summary>
    public static readonly TimeSpan DefaultLeaseTimeout = TimeSpan.FromSeconds(15);

    private const string Acquire =
        "INSERT INTO cluster_leader (name, holder, expires_at) VALUES (@name, @holder, @until) " +
        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at " +
        "WHERE cluster_leader.holder = excluded.holder OR cluster_leader.expires_at <= @now";

    private const string Release = "DELETE FROM cluster_leader WHERE name = @name AND holder = @holder";

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresLeadership> _logger;
    private readonly Lock _gate = new();
    private DateTimeOffset _heldUntil = DateTimeOffset.MinValue;
    private bool _reported; // the state last logged

    public PostgresLeadership(PostgresDatabase database, CacheMetrics metrics, TimeProvider time, ILogger<PostgresLeadership> logger, TimeSpan leaseTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseTimeout, TimeSpan.Zero);
        _database = database;
        _time = time;
        _logger = logger;
        LeaseTimeout = leaseTimeout;
        Holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        metrics.Observe(SingleNodeLeadership.ClusterLeaderMetric, () => [new(IsLeader ? 1 : 0)], SingleNodeLeadership.ClusterLeaderDescription);
    }

    /// <summary>This process in the lease row: host name, process id and a random part (two in one process differ).</summary>
    public string Holder { get; }

    public TimeSpan LeaseTimeout { get; }

    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _time.GetUtcNow() < _heldUntil;
            }
        }
    }

    /// <summary>Raised after each round with <see cref="IsLeader"/> as it ended (for tests, which wait on rounds rather than time).</summary>
    internal event Action<bool>? RoundEnded;

    /// <summary>One round: takes or renews the lease when it is free, expired or this replica's; true when this replica holds it now.</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        var now = PostgresDatabase.ToMillisecond(_time.GetUtcNow());
        var until = now + LeaseTimeout;
        var held = await _database.ExecuteAsync(Acquire, cancellationToken,
            ("name", LeaseName), ("holder", Holder), ("until", until), ("now", now)) == 1;
        lock (_gate)
        {
            _heldUntil = held ? until : DateTimeOffset.MinValue;
        }

        Report();
        return held;
    }

    /// <summary>Gives the lease up (when this replica holds it), so another takes over at its next round.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _heldUntil = DateTimeOffset.MinValue;
        }

        Report();
        await _database.ExecuteAsync(Release, cancellationToken, ("name", LeaseName), ("holder", Holder));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await ReleaseAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            LogReleaseFailed(e.Message); // the row expires on its own
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first round, so a tick that comes while a round runs is not lost.
        using var timer = new PeriodicTimer(LeaseTimeout / 3, _time);
        try
        {
            do
            {
                try
                {
                    await RenewAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The database is away: this replica leads until the expiry it last wrote, then stops.
                    LogRenewFailed(e.Message);
                    Report();
                }

                RoundEnded?.Invoke(IsLeader);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Logs a change of <see cref="IsLeader"/> since the last report.</summary>
    private void Report()
    {
        var leading = IsLeader;
        lock (_gate)
        {
            if (leading == _reported)
            {
                return;
            }

            _reported = leading;
        }

        if (leading)
        {
            LogLeading(Holder, LeaseTimeout);
        }
        else
        {
            LogNotLeading(Holder);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica ({Holder}) now leads the cluster: it runs eviction, GC, scrub, prefetch, sync and traffic history (lease {LeaseTimeout})")]
    private partial void LogLeading(string holder, TimeSpan leaseTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This replica ({Holder}) no longer leads the cluster: it starts no new cluster-wide rounds")]
    private partial void LogNotLeading(string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leader lease could not be renewed: {Reason}")]
    private partial void LogRenewFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leader lease could not be given up at shutdown ({Reason}); it expires on its own")]
    private partial void LogReleaseFailed(string reason);
}
