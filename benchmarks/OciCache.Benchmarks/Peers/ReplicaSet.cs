using System.Security.Cryptography;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Reporting;
using OciCache.Testing.Backends;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// One setup of the scale-out scenario, started fresh for one measurement and stopped after it: N
/// <c>ocicache</c> replicas on 127.0.0.1, each an <see cref="OciCachePeer"/> with its own port (also its
/// <c>Cluster:AdvertiseUrl</c>) and data folder (spool files only), and, when asked, HAProxy in front of them
/// (round-robin, no stickiness). A cluster setup shares a fresh database and bucket
/// (<see cref="ClusterBackends.NewRoundAsync"/>); the embedded one is today's default (SQLite, data folder).
/// <code>
///  clients ──► HAProxy :P ──┬─► replica 0 :A ─┐      PostgreSQL (metadata, fill leases)
///                            ├─► replica 1 :B ─┼──►   Ceph RGW (blobs)
///                            └─► replica 2 :C ─┘      upstream registry (cold fills)
/// </code>
/// </summary>
internal sealed partial class ReplicaSet : IAsyncDisposable
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(15);

    private readonly List<OciCachePeer> _replicas = [];
    private readonly ClusterBackends? _backends;
    private readonly ClusterRound? _round;
    private HaProxy? _proxy;

    private ReplicaSet(string name, ClusterBackends? backends, ClusterRound? round)
    {
        Name = name;
        _backends = backends;
        _round = round;
    }

    public string Name { get; }

    public IReadOnlyList<OciCachePeer> Replicas => _replicas;

    /// <summary>
    /// Starts the setup: the replicas one after the other (the first migrates the database and creates the
    /// bucket), each ready on <c>/readyz</c> and warmed up through its cold path with an image of its own,
    /// then HAProxy. A replica that does not start fails loudly with its last output.
    /// </summary>
    /// <param name="backends">The shared PostgreSQL and RGW; null for the embedded setup (one replica, SQLite and the data folder).</param>
    public static async Task<ReplicaSet> StartAsync(
        Bench bench, string upstreamUrl, string directory, ClusterBackends? backends, int replicas, bool proxied, string label)
    {
        var name = backends is null ? ScaleOutSetups.Embedded : proxied ? ScaleOutSetups.BehindProxy(replicas) : ScaleOutSetups.ClusterOne;
        var round = backends is null ? null : await backends.NewRoundAsync(label);
        var set = new ReplicaSet(name, backends, round);
        try
        {
            var secret = RandomNumberGenerator.GetHexString(48, lowercase: true);
            var loopback = Topology.Loopback();
            for (var i = 0; i < replicas; i++)
            {
                var replica = new OciCachePeer(bench.Options.OciCacheExecutable, loopback, upstreamUrl, Path.Combine(directory, $"{label}-replica-{i}"));
                set._replicas.Add(replica);
                await set.StartReplicaAsync(bench, replica, i, secret);
            }

            if (proxied)
            {
                set._proxy = await HaProxy.StartAsync([.. set._replicas.Select(r => new Uri($"http://{r.Host}"))]);
            }
        }
        catch (Exception e)
        {
            await set.DisposeAsync();
            if (e is InvalidOperationException { Message: var message } && message.StartsWith("scale-out:", StringComparison.Ordinal))
            {
                throw;
            }

            // HAProxy's harness throws xUnit's exceptions: the runner reports a scenario failure only for its own kinds.
            throw new InvalidOperationException($"scale-out: {name}: {e.Message.Split('\n')[0]}\n{e.Message}", e);
        }

        return set;
    }

    /// <summary>A blob or manifest URL through HAProxy, or of the single replica when there is no proxy.</summary>
    public Uri Url(GeneratedImage image, string kind, string reference) => _proxy is null
        ? _replicas[0].Url(image, kind, reference)
        : new Uri($"{_proxy.Url}v2/{image.Repository}/{kind}/{reference}?ns=docker.io");

    /// <summary>How HAProxy shared the requests so far, per replica ("4/4/4"); "—" without a proxy.</summary>
    public string Spread() => _proxy is null ? "—" : string.Join('/', _replicas.Select((_, i) => _proxy.CountRequestsTo(i)));

    /// <summary>Waits until <paramref name="blob"/> is published: in the bucket for a cluster setup, in the data folder otherwise.</summary>
    public async Task WaitUntilStoredAsync(GeneratedImage image, BlobRef blob, TimeSpan timeout)
    {
        if (_backends is null)
        {
            await _replicas[0].WaitUntilStoredAsync(image with { HostBlobs = [blob] }, timeout);
            return;
        }

        var deadline = DateTime.UtcNow + timeout;
        while (!await _backends.IsStoredAsync(_round!.Bucket, blob))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"scale-out: {Name} did not store {image.Name} in bucket {_round.Bucket} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops HAProxy and the replicas, deletes their data folders, and retires the round's bucket and database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        foreach (var replica in _replicas)
        {
            await replica.StopAsync();
            if (Directory.Exists(replica.DataDirectory))
            {
                Directory.Delete(replica.DataDirectory, recursive: true);
            }
        }

        _replicas.Clear();
        if (_backends is not null && _round is not null)
        {
            await _backends.RetireAsync(_round);
        }
    }

    private async Task StartReplicaAsync(Bench bench, OciCachePeer replica, int index, string secret)
    {
        var environment = _backends is null ? null : _backends.ReplicaEnvironment(_round!, $"http://{replica.Host}", secret, LeaseTimeout);
        try
        {
            await replica.StartAsync(empty: true, environment);
            // /healthz answers once Kestrel listens; /readyz once the metadata backend (and the store) answer too.
            await Infra.Readiness.WaitAsync(replica.Process!, new Uri($"http://{replica.Host}/readyz"), TimeSpan.FromSeconds(60));
            await bench.WarmUpAsync(replica, bench.Image(ImageSpec.ReplicaWarmup(index)));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            // The reason is the replica's own first complaint (an unknown setting, a failed connection), else the harness's.
            var output = replica.Process?.Tail(40) ?? "";
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var reason = lines.FirstOrDefault(l => Complaint().IsMatch(l)) ?? lines.FirstOrDefault() ?? e.Message.Split('\n')[0];
            throw new InvalidOperationException(
                $"scale-out: replica {index} of {Name} did not start ({reason}); the cluster settings (Metadata:Backend=postgres, " +
                $"Storage:Backend=s3, Cluster:*) need an ocicache build that has them. Log: {Path.Combine(Path.GetDirectoryName(replica.DataDirectory)!, "ocicache.log")}\n" +
                (e.Message.Contains(output, StringComparison.Ordinal) ? e.Message : $"{e.Message}\n{output}") +
                (_backends is null ? "" : $"\n{_backends.PostgresLog}"), e);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("not a setting|error|fail|exception|refused|denied", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex Complaint();
}
