using Xunit;

namespace OciCache.Testing.Backends;

/// <summary>
/// The shared backends of the scale-out tests: one PostgreSQL and one Ceph RGW per test run, started side by
/// side (Ceph alone takes about 12 s). Use it as an xUnit collection fixture; tests isolate themselves with
/// a database (<see cref="PostgresServer.CreateDatabaseAsync"/>) and a bucket each. HAProxy is cheap and
/// started per test (<see cref="HaProxy.StartAsync"/>).
/// </summary>
public sealed class ScaleOutBackends : IAsyncLifetime
{
    public PostgresServer Postgres { get; } = new();

    public CephRgw Ceph { get; } = new();

    public async Task InitializeAsync()
    {
        var postgres = Postgres.InitializeAsync();
        var ceph = Ceph.InitializeAsync();
        try
        {
            await Task.WhenAll(postgres, ceph);
        }
        catch
        {
            // A failed start still stops whatever did start, then the first failure is reported with its log.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Postgres.DisposeAsync();
        await Ceph.DisposeAsync();
    }
}
