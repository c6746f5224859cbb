using System.Net;
using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class DestinationPolicyTests
{
    private static readonly IReadOnlySet<IPAddress> Own = new HashSet<IPAddress> { IPAddress.Parse("192.0.2.2"), IPAddress.Parse("127.0.0.1") };

    /// <summary>A fake DNS: names of the test to their addresses.</summary>
    private static readonly Dictionary<string, IPAddress[]> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["registry-1.docker.io"] = [IPAddress.Parse("203.0.113.10")],
        ["cdn.example"] = [IPAddress.Parse("203.0.113.20")],
        ["localhost"] = [IPAddress.Loopback, IPAddress.IPv6Loopback],
        ["rebind.example"] = [IPAddress.Parse("127.0.0.1")],
        ["metadata.example"] = [IPAddress.Parse("169.254.169.254")],
        ["mixed.example"] = [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("203.0.113.30")],
    };

    [Theory]
    [InlineData("127.0.0.1", "Loopback")]
    [InlineData("127.9.9.9", "Loopback")]
    [InlineData("::1", "Loopback")]
    [InlineData("::ffff:127.0.0.1", "Loopback")]
    [InlineData("0.0.0.0", "Loopback")]
    [InlineData("::", "Loopback")]
    [InlineData("169.254.169.254", "LinkLocal")]
    [InlineData("fe80::1", "LinkLocal")]
    [InlineData("192.0.2.2", "Own")]
    [InlineData("::ffff:192.0.2.2", "Own")]
    [InlineData("203.0.113.10", "Public")]
    [InlineData("10.0.0.8", "Public")]
    public void Classify_Addresses(string address, string kind) =>
        Assert.Equal(Enum.Parse<AddressKind>(kind), DestinationPolicy.Classify(IPAddress.Parse(address), Own));

    [Theory]
    // A loopback upstream (every test's WireMock) may redirect to loopback.
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", true)]
    [InlineData("http://127.0.0.1:5000", "localhost", true)]
    [InlineData("http://localhost:5000", "127.0.0.1", true)]
    [InlineData("http://127.0.0.1:5000", "cdn.example", true)]
    [InlineData("http://127.0.0.1:5000", "169.254.169.254", false)]
    // A public upstream: public targets only.
    [InlineData("https://registry-1.docker.io", "cdn.example", true)]
    [InlineData("https://registry-1.docker.io", "203.0.113.99", true)]
    [InlineData("https://registry-1.docker.io", "127.0.0.1", false)]
    [InlineData("https://registry-1.docker.io", "[::1]", false)]
    [InlineData("https://registry-1.docker.io", "0.0.0.0", false)]
    [InlineData("https://registry-1.docker.io", "localhost", false)]
    [InlineData("https://registry-1.docker.io", "rebind.example", false)]
    [InlineData("https://registry-1.docker.io", "169.254.169.254", false)]
    [InlineData("https://registry-1.docker.io", "metadata.example", false)]
    [InlineData("https://registry-1.docker.io", "192.0.2.2", false)]
    // The upstream's own host is configured: always reachable.
    [InlineData("https://registry-1.docker.io", "registry-1.docker.io", true)]
    [InlineData("http://192.0.2.2:5000", "192.0.2.2", true)]
    // An upstream on the cache's own address may send it to its own address, not to loopback.
    [InlineData("http://192.0.2.2:5000", "127.0.0.1", false)]
    [InlineData("http://169.254.10.10:5000", "169.254.169.254", true)]
    [InlineData("http://169.254.10.10:5000", "127.0.0.1", false)]
    public async Task AllowedAddresses_FromUpstreamToHost(string upstream, string host, bool allowed)
    {
        var policy = new DestinationPolicy(new Uri(upstream), Own, Resolve);

        if (allowed)
        {
            Assert.NotEmpty(await policy.AllowedAddressesAsync(host, CancellationToken.None));
        }
        else
        {
            await Assert.ThrowsAsync<DestinationRefusedException>(() => policy.AllowedAddressesAsync(host, CancellationToken.None));
        }
    }

    [Fact]
    public async Task AllowedAddresses_MixedName_KeepsOnlyThePublicAddress()
    {
        var policy = new DestinationPolicy(new Uri("https://registry-1.docker.io"), Own, Resolve);

        var addresses = await policy.AllowedAddressesAsync("mixed.example", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("203.0.113.30")], addresses);
    }

    [Theory]
    [InlineData("https://cdn.example/blob", true)]
    [InlineData("http://cdn.example/blob", true)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("ftp://cdn.example/blob", false)]
    [InlineData("gopher://127.0.0.1:6379/_", false)]
    public void IsFollowableScheme_HttpAndHttpsOnly(string target, bool followable) =>
        Assert.Equal(followable, DestinationPolicy.IsFollowableScheme(new Uri(target)));

    [Theory]
    [InlineData("https://registry.example", "https://auth.example/token", true)]
    [InlineData("https://registry.example", "http://auth.example/token", false)]
    [InlineData("http://registry.example", "http://auth.example/token", true)]
    [InlineData("http://registry.example", "https://auth.example/token", true)]
    [InlineData("https://registry.example", "not a url", false)]
    public void MayCarryCredentials_HttpsRealm_OrHttpUpstream(string upstream, string realm, bool may) =>
        Assert.Equal(may, DestinationPolicy.MayCarryCredentials(new Uri(upstream), realm));

    private static Task<IPAddress[]> Resolve(string host, CancellationToken cancellationToken) =>
        Names.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : throw new InvalidOperationException($"no test name {host}");
}
