namespace OciCache.Tests.Conformance;

/// <summary>One real server per test class; tests isolate themselves by repository name.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public RegistryServer Server { get; private set; } = null!;

    public HttpClient Client => Server.Client;

    public static string NewRepository(string prefix) => $"conformance/{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 20)];

    public async Task InitializeAsync() => Server = await RegistryServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
