using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OciCache.Testing.Backends;
using Xunit.Abstractions;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Proves the scale-out test harness against the real services: PostgreSQL answers and its advisory locks
/// exclude, Ceph RGW speaks the S3 the blob store will need (ranges, multipart, conditional create,
/// pre-signed GETs) with the client settings Ceph 16 needs, HAProxy spreads requests without stickiness,
/// and RGW can be stopped and started again under a test.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class BackendHarnessTests(ScaleOutBackends backends, ITestOutputHelper output)
{
    [Fact]
    public async Task Postgres_AnswersAQuery_AndAnAdvisoryLockExcludesASecondSession()
    {
        Report();
        await using var dataSource = NpgsqlDataSource.Create(await backends.Postgres.CreateDatabaseAsync());
        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();

        Assert.Equal("15", (await ScalarAsync<string>(first, "SHOW server_version"))?.Split('.')[0]);
        Assert.True(await ScalarAsync<bool>(first, "SELECT pg_try_advisory_lock(22)"));
        Assert.False(await ScalarAsync<bool>(second, "SELECT pg_try_advisory_lock(22)"));
        Assert.True(await ScalarAsync<bool>(first, "SELECT pg_advisory_unlock(22)"));
        Assert.True(await ScalarAsync<bool>(second, "SELECT pg_try_advisory_lock(22)"));
    }

    [Fact]
    public async Task Rgw_ServesRangesMultipartConditionalCreateAndPresignedGets()
    {
        using var s3 = S3Client();
        var bucket = await CreateBucketAsync(s3);
        var small = RandomNumberGenerator.GetBytes(1000);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "small", InputStream = new MemoryStream(small) });

        using (var ranged = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "small", ByteRange = new ByteRange(100, 199) }))
        {
            Assert.Equal(HttpStatusCode.PartialContent, ranged.HttpStatusCode);
            Assert.Equal(small[100..200], await ReadAllAsync(ranged.ResponseStream));
        }

        // Parts of 5 MiB (S3's least but the last) and a short last one.
        var parts = new[] { RandomNumberGenerator.GetBytes(5 << 20), RandomNumberGenerator.GetBytes(5 << 20), RandomNumberGenerator.GetBytes(12345) };
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "multi" });
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            etags.Add(new PartETag(await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "multi", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]),
            })));
        }

        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "multi", UploadId = upload.UploadId, PartETags = etags,
        });
        using (var whole = await s3.GetObjectAsync(bucket, "multi"))
        {
            Assert.Equal(parts.SelectMany(p => p).ToArray(), await ReadAllAsync(whole.ResponseStream));
        }

        var overwrite = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "small", ContentBody = "must not replace", IfNoneMatch = "*",
        }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, overwrite.StatusCode);

        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket, Key = "small", Verb = HttpVerb.GET, Protocol = Protocol.HTTP,
            Expires = TimeProvider.System.GetUtcNow().AddMinutes(10).UtcDateTime,
        });
        using var plain = new HttpClient();
        Assert.Equal(small, await plain.GetByteArrayAsync(url));
        Report();
    }

    [Fact]
    public async Task HaProxy_RoundRobinsOverTwoBackends_AndBothSeeRequests()
    {
        var hits = new int[2];
        await using var first = await StartBackendAsync(() => Interlocked.Increment(ref hits[0]));
        await using var second = await StartBackendAsync(() => Interlocked.Increment(ref hits[1]));
        await using var proxy = await HaProxy.StartAsync(new Uri(first.Urls.Single()), new Uri(second.Urls.Single()));
        output.WriteLine($"haproxy started in {proxy.StartupTime.TotalSeconds:F2} s");

        using var client = new HttpClient { BaseAddress = proxy.Url }; // one keep-alive connection: no stickiness may follow from it
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(10, hits[0] + hits[1]);
        Assert.True(hits[0] > 0 && hits[1] > 0, $"round-robin left a backend idle: {hits[0]} / {hits[1]}\n{proxy.Log}");
        await Eventually.TrueAsync(() => proxy.CountRequestsTo(0) == hits[0] && proxy.CountRequestsTo(1) == hits[1],
            $"haproxy's log shows {hits[0]} requests to s0 and {hits[1]} to s1:\n{proxy.Log}");
    }

    [Fact]
    public async Task Rgw_Stopped_FailsRequests_AndStartedAgain_ServesTheSameObjects()
    {
        using var s3 = S3Client(retries: 0);
        var bucket = await CreateBucketAsync(s3);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "kept", ContentBody = "still here" });

        await backends.Ceph.StopRgwAsync();
        try
        {
            var failure = await Record.ExceptionAsync(() => s3.GetObjectMetadataAsync(bucket, "kept"));
            Assert.NotNull(failure);
            Assert.True(Causes(failure).Any(e => e is HttpRequestException), $"not a failed connection: {failure}");
        }
        finally
        {
            await backends.Ceph.StartRgwAsync();
        }

        using var again = await s3.GetObjectAsync(bucket, "kept");
        Assert.Equal("still here", await new StreamReader(again.ResponseStream).ReadToEndAsync());
    }

    private void Report()
    {
        output.WriteLine($"postgres started in {backends.Postgres.StartupTime.TotalSeconds:F2} s (pid {backends.Postgres.Pid})");
        output.WriteLine($"ceph started in {backends.Ceph.StartupTime.TotalSeconds:F2} s");
        foreach (var (daemon, bytes) in backends.Ceph.ResidentBytes())
        {
            output.WriteLine($"  {daemon}: {bytes / (1 << 20)} MiB RSS");
        }
    }

    /// <summary>An S3 client with the settings Ceph 16's RGW needs (see docs/ARCHITECTURE.md, Testing).</summary>
    private AmazonS3Client S3Client(int retries = 2) => new(new BasicAWSCredentials(backends.Ceph.AccessKey, backends.Ceph.SecretKey), new AmazonS3Config
    {
        ServiceURL = backends.Ceph.Endpoint.ToString(),
        AuthenticationRegion = backends.Ceph.Region,
        ForcePathStyle = true,
        // The SDK's default flexible checksums (in trailers) make RGW 16 answer 400 XAmzContentSHA256Mismatch.
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        MaxErrorRetry = retries,
        Timeout = TimeSpan.FromMinutes(2),
    });

    private static IEnumerable<Exception> Causes(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            yield return exception;
        }
    }

    private static async Task<string> CreateBucketAsync(AmazonS3Client s3)
    {
        var bucket = $"harness-{Guid.NewGuid():N}"[..24];
        await s3.PutBucketAsync(bucket);
        return bucket;
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T?)await command.ExecuteScalarAsync();
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<WebApplication> StartBackendAsync(Action onRequest)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () =>
        {
            onRequest();
            return "ok";
        });
        await app.StartAsync();
        return app;
    }
}
