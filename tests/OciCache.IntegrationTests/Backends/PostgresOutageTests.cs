using System.Net;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// <c>serve</c> on a shared PostgreSQL database while the database goes away and comes back: <c>/readyz</c>
/// fails naming PostgreSQL (and never the connection string's password), and recovers without a restart.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresOutageTests(ScaleOutBackends backends) : IAsyncLifetime
{
    private const string Password = "pg-outage-secret-d41d8cd98f";

    private readonly TempDirectory _data = new();
    private OciCacheProcess? _server;

    public async Task InitializeAsync()
    {
        var connection = await backends.Postgres.CreateDatabaseAsync() + $";Password={Password}";
        _server = await OciCacheProcess.StartAsync(_data.Path, environment: new Dictionary<string, string>
        {
            ["OCICACHE_METADATA__BACKEND"] = "postgres",
            ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = connection,
        });
    }

    [Fact]
    public async Task Readyz_WhilePostgresIsDown_FailsNamingIt_AndRecoversWithoutARestart()
    {
        using var http = new HttpClient { BaseAddress = _server!.BaseUri };
        Assert.Equal((HttpStatusCode.OK, "ok"), await ReadyzAsync(http));

        await backends.Postgres.StopServerAsync();
        try
        {
            var (status, body) = await ReadyzAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.StartsWith("not ready: the metadata database (PostgreSQL) cannot be reached", body, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, body, StringComparison.Ordinal);
        }
        finally
        {
            await backends.Postgres.StartServerAsync();
        }

        // The pool's broken connections are replaced as they are found broken: no restart is needed.
        await Eventually.TrueAsync(async () => (await ReadyzAsync(http)).Status == HttpStatusCode.OK, "/readyz ok again after PostgreSQL restarted");
        Assert.False(_server.HasExited);
        Assert.DoesNotContain(Password, _server.Output, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _data.Dispose();
    }
}
