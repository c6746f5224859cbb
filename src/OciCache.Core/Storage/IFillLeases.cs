using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Who fetches a blob from its upstream when replicas share one metadata database: a lease per digest,
/// held by one process (<see cref="FillLeaseHolder"/>) until it expires, is renewed or is released. A
/// replica that is refused follows the holder's fill instead of asking the upstream. Holding one lease
/// twice is granted to the same holder (two fills of one process never follow each other).
/// </summary>
public interface IFillLeases
{
    /// <summary>Takes the lease when nobody holds it, or its holder let it expire; otherwise says who holds it.</summary>
    Task<FillLeaseClaim> AcquireAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Pushes this holder's lease out by the lease timeout; false when this holder no longer has it.</summary>
    Task<bool> RenewAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Gives this holder's lease up (the fill ended); nothing when another holder has it by now.</summary>
    Task ReleaseAsync(Digest digest, CancellationToken cancellationToken);
}

/// <summary>
/// The answer to <see cref="IFillLeases.AcquireAsync"/>: granted, or the holder that has it (its base URL) and
/// when its lease runs out unless renewed. <see cref="DateTimeOffset.MaxValue"/> never runs out and needs no
/// renewal (a single node).
/// </summary>
public sealed record FillLeaseClaim(bool Granted, string? HolderUrl, DateTimeOffset ExpiresAt);

/// <summary>
/// One process as a lease holder: a random id per start, the URL the other replicas reach it at
/// (<c>Cluster:AdvertiseUrl</c>), and how long its leases last unless renewed (<c>Cluster:LeaseTimeout</c>).
/// </summary>
public sealed record FillLeaseHolder(string Id, string Url, TimeSpan LeaseTimeout)
{
    /// <summary>A holder with a fresh random id: a restarted replica waits out the leases its former self left.</summary>
    public static FillLeaseHolder Create(string url, TimeSpan leaseTimeout) =>
        new(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), url, leaseTimeout);
}

/// <summary>A single node: every lease is granted at once and never expires; no table, no round trip.</summary>
internal sealed class LocalFillLeases : IFillLeases
{
    private static readonly Task<FillLeaseClaim> Granted = Task.FromResult(new FillLeaseClaim(true, null, DateTimeOffset.MaxValue));

    public Task<FillLeaseClaim> AcquireAsync(Digest digest, CancellationToken cancellationToken) => Granted;

    public Task<bool> RenewAsync(Digest digest, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task ReleaseAsync(Digest digest, CancellationToken cancellationToken) => Task.CompletedTask;
}
