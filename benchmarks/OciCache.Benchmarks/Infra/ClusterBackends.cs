using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OciCache.Benchmarks.Images;
using OciCache.Testing.Backends;

namespace OciCache.Benchmarks.Infra;

/// <summary>
/// The shared backends of a replica set, started once for the scale-out scenario: a PostgreSQL 15 (trust
/// authentication, 127.0.0.1, fsync off) and a single-node Ceph with RGW (auth none, one memstore OSD),
/// both the test harness's own (<c>tests/OciCache.TestSupport/Backends</c>), so the Ceph bootstrap exists
/// once. Each measurement takes a <see cref="ClusterRound"/>: a fresh database and a fresh bucket, so
/// every round starts cold; both are removed afterwards, and RGW's garbage collection is run at once so the
/// memstore (RAM, used only as objects are written) gives the removed objects' bytes back. The caller sizes
/// the memstore for everything a run writes all the same, in case a removal fails.
/// </summary>
internal sealed class ClusterBackends : IAsyncDisposable
{
    private readonly PostgresServer _postgres;
    private readonly CephRgw _ceph;
    private readonly AmazonS3Client _s3;
    private readonly Action<string> _log;

    private ClusterBackends(PostgresServer postgres, CephRgw ceph, Action<string> log)
    {
        _postgres = postgres;
        _ceph = ceph;
        _log = log;
        _s3 = new AmazonS3Client(new BasicAWSCredentials(ceph.AccessKey, ceph.SecretKey), new AmazonS3Config
        {
            ServiceURL = ceph.Endpoint.ToString(),
            AuthenticationRegion = ceph.Region,
            ForcePathStyle = true,
            // The SDK's default flexible checksums (in trailers) make RGW 16 answer 400 XAmzContentSHA256Mismatch.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    /// <summary>The PostgreSQL server's output, for a replica that could not start.</summary>
    public string PostgresLog => _postgres.Log();

    /// <summary>What the backends took to start, for the log.</summary>
    public string Describe => $"PostgreSQL on 127.0.0.1:{_postgres.Port} ({_postgres.StartupTime.TotalSeconds:F1} s), " +
        $"Ceph RGW on {_ceph.Endpoint} ({_ceph.StartupTime.TotalSeconds:F1} s, memstore {Format.Bytes(_ceph.MemstoreBytes)})";

    /// <summary>
    /// Starts both side by side. A missing tool or a backend that does not come up fails the scenario with
    /// an <see cref="InvalidOperationException"/> whose first line says which (the harness's exceptions are
    /// xUnit's, which the runner would not catch as a scenario failure).
    /// </summary>
    public static async Task<ClusterBackends> StartAsync(long memstoreBytes, Action<string> log)
    {
        var postgres = Started(PostgresServer.StartAsync());
        var ceph = Started(CephRgw.StartAsync(memstoreBytes));
        try
        {
            await Task.WhenAll(postgres, ceph);
        }
        catch (Exception)
        {
            // Whichever did start is stopped by its PID; the first failure is reported with its log.
            foreach (var started in new Task<IAsyncDisposable>[] { postgres, ceph }.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            var failure = new[] { postgres, ceph }.First(t => t.IsFaulted).Exception!.InnerException!;
            throw new InvalidOperationException(
                $"scale-out: the cluster backends did not start: {failure.Message.Split('\n')[0]}\n{failure.Message}", failure);
        }

        return new ClusterBackends((PostgresServer)postgres.Result, (CephRgw)ceph.Result, log);
    }

    /// <summary>A fresh database and a bucket name no replica has used; the first replica creates the bucket.</summary>
    public async Task<ClusterRound> NewRoundAsync(string label)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var database = $"ocibench_{label}_{id}";
        var connectionString = await _postgres.CreateDatabaseAsync(database);
        return new ClusterRound(database, connectionString, $"ocibench-{label.Replace('_', '-')}-{id}");
    }

    /// <summary>
    /// The settings of a replica on <paramref name="round"/>'s database and bucket, as <c>OCICACHE_…</c> variables
    /// (<c>__</c> for <c>:</c>): PostgreSQL metadata, S3 storage on RGW, and the cluster's advertised URL and secret.
    /// </summary>
    public IDictionary<string, string> ReplicaEnvironment(ClusterRound round, string advertiseUrl, string clusterSecret, TimeSpan leaseTimeout) =>
        new Dictionary<string, string>
        {
            ["OCICACHE_METADATA__BACKEND"] = "postgres",
            ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = round.ConnectionString,
            ["OCICACHE_STORAGE__BACKEND"] = "s3",
            ["OCICACHE_STORAGE__S3__ENDPOINT"] = _ceph.Endpoint.ToString().TrimEnd('/'),
            ["OCICACHE_STORAGE__S3__BUCKET"] = round.Bucket,
            ["OCICACHE_STORAGE__S3__REGION"] = _ceph.Region,
            ["OCICACHE_STORAGE__S3__ACCESSKEY"] = _ceph.AccessKey,
            ["OCICACHE_STORAGE__S3__SECRETKEY"] = _ceph.SecretKey,
            ["OCICACHE_STORAGE__S3__FORCEPATHSTYLE"] = "true",
            ["OCICACHE_CLUSTER__ADVERTISEURL"] = advertiseUrl,
            ["OCICACHE_CLUSTER__SECRET"] = clusterSecret,
            ["OCICACHE_CLUSTER__LEASETIMEOUT"] = $"{(int)leaseTimeout.TotalSeconds}s",
        };

    /// <summary>Whether the blob is published in the bucket: the final key <c>blobs/sha256/&lt;hex&gt;</c> with the blob's size.</summary>
    public async Task<bool> IsStoredAsync(string bucket, BlobRef blob)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(bucket, $"blobs/sha256/{blob.Hex}");
            return head.ContentLength == blob.Size;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes the round's bucket with its objects and drops its database. Not with <c>--bypass-gc</c>: Ceph
    /// 16.2's <c>radosgw-admin</c> crashed (SIGSEGV in <c>rgw_remove_bucket_bypass_gc</c>) on a bucket whose fill
    /// had been cut off. A failure is logged, not thrown: the measurement is done, and a later round only needs
    /// a bucket and a database of its own.
    /// </summary>
    public async Task RetireAsync(ClusterRound round)
    {
        var purge = await Exec.RunAsync(null, BackendTool.Require("radosgw-admin", "ceph-common"),
            ["bucket", "rm", "--bucket", round.Bucket, "--purge-objects"], TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["CEPH_CONF"] = _ceph.ConfigFile });
        if (!purge.Ok && !purge.Stderr.Contains("NoSuchBucket", StringComparison.Ordinal))
        {
            _log($"scale-out: removing bucket {round.Bucket} failed: {purge.Describe.Split('\n')[0]}");
        }

        // Removed objects wait for RGW's garbage collection (rgw_gc_obj_min_wait, 2 h); --include-all frees them now.
        var gc = await Exec.RunAsync(null, BackendTool.Require("radosgw-admin", "ceph-common"),
            ["gc", "process", "--include-all"], TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["CEPH_CONF"] = _ceph.ConfigFile });
        if (!gc.Ok)
        {
            _log($"scale-out: RGW garbage collection failed: {gc.Describe.Split('\n')[0]}");
        }

        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString() + ";Pooling=false");
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{round.Database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Npgsql.NpgsqlException e)
        {
            _log($"scale-out: dropping database {round.Database} failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _s3.Dispose();
        await _ceph.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    private static async Task<IAsyncDisposable> Started<T>(Task<T> start)
        where T : IAsyncDisposable => await start;
}

/// <summary>One measurement's metadata database (its name and connection string) and bucket.</summary>
internal sealed record ClusterRound(string Database, string ConnectionString, string Bucket);
