using System.Net;
using Npgsql;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// <c>serve</c> with <c>Metadata:Backend=postgres</c> on a fresh database: skopeo pushes an image and pulls it
/// back byte for byte, and the rows are PostgreSQL's; while PostgreSQL is down, registry requests that need
/// the metadata answer 503 with <c>Retry-After</c>, never a 500, and never name the password.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresMetadataServeTests(ScaleOutBackends backends) : IAsyncLifetime
{
    private const string Password = "pg-meta-secret-8f14e45fceea";

    private readonly TempDirectory _temp = new("pg-serve");
    private string _connectionString = "";
    private OciCacheProcess? _server;

    public async Task InitializeAsync()
    {
        _connectionString = await backends.Postgres.CreateDatabaseAsync();
        _server = await OciCacheProcess.StartAsync(_temp.Combine("data"), environment: new Dictionary<string, string>
        {
            ["OCICACHE_METADATA__BACKEND"] = "postgres",
            ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = _connectionString + $";Password={Password}",
        });
    }

    [Fact]
    public async Task SkopeoPushAndPull_RoundTripsByteIdentical_WithTheRowsInPostgres()
    {
        var image = TestImage.Create(ImageFormat.Oci, layers: 3, layerBytes: 256 * 1024, seed: 221);
        var source = _temp.Combine("source");
        TestImage.WriteOciLayout(source, "v1", image.Manifest, image.Blobs);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--preserve-digests", $"oci:{source}:v1", $"docker://{_server!.Host}/pg/app:v1");
        var back = _temp.Combine("back");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--preserve-digests", $"docker://{_server.Host}/pg/app:v1", $"oci:{back}:v1");

        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            var path = Path.Combine(back, "blobs", "sha256", blob.Hex);
            Assert.True(File.Exists(path), $"{blob.Digest} ({blob.MediaType}) did not come back");
            Assert.Equal(blob.Bytes, File.ReadAllBytes(path));
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var tag = new NpgsqlCommand(
            "SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = 'pg/app' AND t.name = 'v1'", connection);
        Assert.Equal(image.Manifest.Digest.ToString(), await tag.ExecuteScalarAsync());
        await using var links = new NpgsqlCommand("SELECT count(*) FROM repository_blobs", connection);
        Assert.Equal((long)image.Blobs.Count(), await links.ExecuteScalarAsync()); // config and layers, linked by the push
    }

    [Fact]
    public async Task WhilePostgresIsDown_RegistryRequestsAnswer503WithRetryAfter_AndWorkAgainAfterwards()
    {
        using var http = new HttpClient { BaseAddress = _server!.BaseUri };
        using (var before = await http.GetAsync("/v2/pg/down/tags/list"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode); // the database answers: no such repository
        }

        await backends.Postgres.StopServerAsync();
        try
        {
            foreach (var request in new Func<HttpRequestMessage>[]
                     {
                         () => new HttpRequestMessage(HttpMethod.Get, "/v2/pg/down/tags/list"),
                         () => new HttpRequestMessage(HttpMethod.Post, "/v2/pg/down/blobs/uploads/"),
                     })
            {
                using var message = request();
                using var response = await http.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{message.Method} {message.RequestUri}: {(int)response.StatusCode} {body}");
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.DoesNotContain(Password, body, StringComparison.Ordinal);
            }
        }
        finally
        {
            await backends.Postgres.StartServerAsync();
        }

        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.PostAsync("/v2/pg/down/blobs/uploads/", null);
            return response.StatusCode == HttpStatusCode.Accepted;
        }, "uploads start again once PostgreSQL is back");
        Assert.DoesNotContain(Password, _server.Output, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _temp.Dispose();
    }
}
