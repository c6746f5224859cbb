using System.Globalization;

namespace OciCache.Testing.Backends;

/// <summary>
/// Several <c>ocicache serve</c> replicas as one registry: each with its own data folder (spool files only),
/// all on one fresh PostgreSQL database and one fresh RGW bucket of the shared <see cref="ScaleOutBackends"/>,
/// with the cluster settings (advertised URL, shared secret, lease timeout), behind HAProxy round-robin with
/// no stickiness. Replicas listen on fixed ports, so one killed can be started again at the same address.
/// </summary>
public sealed class ReplicaCluster : IAsyncDisposable
{
    /// <summary>The secret the replicas share for their internal endpoint (never a real one).</summary>
    public const string Secret = "replica-cluster-test-secret-0123456789abcdef";

    private readonly List<TempDirectory> _folders = [];
    private readonly OciCacheProcess?[] _replicas;
    private readonly int[] _ports;
    private readonly Dictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _arguments;

    private ReplicaCluster(int count, Dictionary<string, string> environment, IReadOnlyList<string> arguments)
    {
        _replicas = new OciCacheProcess?[count];
        _ports = [.. Enumerable.Range(0, count).Select(_ => OciCacheProcess.FreePort())];
        _environment = environment;
        _arguments = arguments;
    }

    public HaProxy Proxy { get; private set; } = null!;

    /// <summary><c>127.0.0.1:PORT</c> of the load balancer: what clients are pointed at.</summary>
    public string Host => $"127.0.0.1:{Proxy.Port}";

    public string ConnectionString { get; private set; } = "";

    public string Bucket { get; private set; } = "";

    /// <summary>The replica at <paramref name="index"/> (HAProxy's server <c>s{index}</c>); null while it is stopped.</summary>
    public OciCacheProcess? this[int index] => _replicas[index];

    public int Count => _replicas.Length;

    /// <summary>The settings every replica has, as <c>OCICACHE_</c> variables (for a command run against the cluster).</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>
    /// Starts <paramref name="count"/> replicas (the first alone, so it creates the bucket and migrates the
    /// schema; the rest together) and HAProxy over them.
    /// </summary>
    /// <param name="settings">More settings for every replica, as <c>OCICACHE_</c> variables.</param>
    /// <param name="arguments">More <c>serve</c> arguments for every replica (e.g. <c>--upstream</c>).</param>
    public static async Task<ReplicaCluster> StartAsync(ScaleOutBackends backends, int count = 3,
        IReadOnlyDictionary<string, string>? settings = null, IReadOnlyList<string>? arguments = null)
    {
        var bucket = $"cluster-{Guid.NewGuid():N}"[..24];
        var connection = await backends.Postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string>
        {
            ["OCICACHE_METADATA__BACKEND"] = "postgres",
            ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = connection,
            ["OCICACHE_STORAGE__BACKEND"] = "s3",
            ["OCICACHE_STORAGE__S3__ENDPOINT"] = backends.Ceph.Endpoint.ToString(),
            ["OCICACHE_STORAGE__S3__BUCKET"] = bucket,
            ["OCICACHE_STORAGE__S3__REGION"] = backends.Ceph.Region,
            ["OCICACHE_STORAGE__S3__ACCESSKEY"] = backends.Ceph.AccessKey,
            ["OCICACHE_STORAGE__S3__SECRETKEY"] = backends.Ceph.SecretKey,
            ["OCICACHE_STORAGE__S3__FORCEPATHSTYLE"] = "true",
            ["OCICACHE_CLUSTER__SECRET"] = Secret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new ReplicaCluster(count, environment, arguments ?? []) { ConnectionString = connection, Bucket = bucket };
        try
        {
            await cluster.StartReplicaAsync(0);
            await Task.WhenAll(Enumerable.Range(1, count - 1).Select(cluster.StartReplicaAsync));
            cluster.Proxy = await HaProxy.StartAsync([.. cluster._ports.Select(p => new Uri($"http://127.0.0.1:{p}"))]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The URL replica <paramref name="index"/> advertises to the others (and listens on).</summary>
    public Uri ReplicaUrl(int index) => new($"http://127.0.0.1:{_ports[index].ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Starts replica <paramref name="index"/> (again) on its port, with its data folder of before if it had one.</summary>
    public async Task StartReplicaAsync(int index)
    {
        if (_replicas[index] is not null)
        {
            throw new InvalidOperationException($"replica {index} is running");
        }

        while (_folders.Count <= index)
        {
            _folders.Add(new TempDirectory($"replica{_folders.Count}"));
        }

        var environment = new Dictionary<string, string>(_environment)
        {
            ["OCICACHE_CLUSTER__ADVERTISEURL"] = ReplicaUrl(index).ToString().TrimEnd('/'),
        };
        _replicas[index] = await OciCacheProcess.StartAsync(_folders[index].Path, _arguments, environment, port: _ports[index]);
    }

    /// <summary>Kills replica <paramref name="index"/> with SIGKILL (no shutdown of any kind) and waits for it to be gone.</summary>
    public async Task KillReplicaAsync(int index)
    {
        if (_replicas[index] is { } replica)
        {
            replica.Kill();
            await replica.DisposeAsync();
            _replicas[index] = null;
        }
    }

    /// <summary>Every replica's output, for failure messages.</summary>
    public string Output() => string.Join("\n", _replicas.Select((r, i) => $"--- replica {i}\n{r?.Output}"));

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        foreach (var replica in _replicas)
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        _folders.ForEach(f => f.Dispose());
    }
}
