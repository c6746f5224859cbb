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
        ["lan.example"] = [IPAddress.Parse("10.1.2.3")],
        ["storage.lan"] = [IPAddress.Parse("10.1.2.4")],
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
    [InlineData("10.0.0.8", "Private")]
    [InlineData("172.16.0.1", "Private")]
    [InlineData("172.31.255.255", "Private")]
    [InlineData("172.32.0.1", "Public")]
    [InlineData("192.168.1.1", "Private")]
    [InlineData("::ffff:192.168.1.1", "Private")]
    [InlineData("100.64.0.1", "Private")]
    [InlineData("100.127.255.255", "Private")]
    [InlineData("100.128.0.1", "Public")]
    [InlineData("fd00::1", "Private")]
    [InlineData("fc00::1", "Private")]
    [InlineData("2001:db8::1", "Public")]
    public void Classify_Addresses(string address, string kind) =>
        Assert.Equal(Enum.Parse<AddressKind>(kind), DestinationPolicy.Classify(IPAddress.Parse(address), Own));

    [Theory]
    // A loopback upstream: its own host and port; never another service on this machine.
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", 5000, true)]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", 6000, false)]
    [InlineData("http://127.0.0.1:5000", "127.0.0.2", 5000, false)]
    [InlineData("http://127.0.0.1:5000", "localhost", 5000, false)]
    [InlineData("http://localhost:5000", "127.0.0.1", 5000, false)]
    [InlineData("http://127.0.0.1:5000", "cdn.example", 443, true)]
    [InlineData("http://127.0.0.1:5000", "169.254.169.254", 80, false)]
    [InlineData("http://127.0.0.1:5000", "10.0.0.8", 80, false)]
    // A public upstream: public targets only; never into the site's network.
    [InlineData("https://registry-1.docker.io", "cdn.example", 443, true)]
    [InlineData("https://registry-1.docker.io", "203.0.113.99", 443, true)]
    [InlineData("https://registry-1.docker.io", "127.0.0.1", 443, false)]
    [InlineData("https://registry-1.docker.io", "[::1]", 443, false)]
    [InlineData("https://registry-1.docker.io", "0.0.0.0", 443, false)]
    [InlineData("https://registry-1.docker.io", "localhost", 443, false)]
    [InlineData("https://registry-1.docker.io", "rebind.example", 443, false)]
    [InlineData("https://registry-1.docker.io", "169.254.169.254", 80, false)]
    [InlineData("https://registry-1.docker.io", "metadata.example", 80, false)]
    [InlineData("https://registry-1.docker.io", "192.0.2.2", 443, false)]
    [InlineData("https://registry-1.docker.io", "10.0.0.8", 80, false)]
    [InlineData("https://registry-1.docker.io", "192.168.1.10", 80, false)]
    [InlineData("https://registry-1.docker.io", "100.64.0.1", 80, false)]
    [InlineData("https://registry-1.docker.io", "[fd00::1]", 80, false)]
    [InlineData("https://registry-1.docker.io", "lan.example", 80, false)]
    // The upstream's own host is configured: always reachable.
    [InlineData("https://registry-1.docker.io", "registry-1.docker.io", 443, true)]
    [InlineData("http://192.0.2.2:5000", "192.0.2.2", 5000, true)]
    // An upstream on the site's network may send the cache into it, not to this machine.
    [InlineData("http://10.0.0.5:5000", "10.0.0.9", 9000, true)]
    [InlineData("http://10.0.0.5:5000", "172.16.0.1", 80, true)]
    [InlineData("http://10.0.0.5:5000", "lan.example", 80, true)]
    [InlineData("http://10.0.0.5:5000", "127.0.0.1", 80, false)]
    [InlineData("http://10.0.0.5:5000", "192.0.2.2", 80, false)]
    // An upstream on the cache's own address: another port of it is another service.
    [InlineData("http://192.0.2.2:5000", "192.0.2.2", 6000, false)]
    [InlineData("http://192.0.2.2:5000", "127.0.0.1", 5000, false)]
    [InlineData("http://169.254.10.10:5000", "169.254.169.254", 80, true)]
    [InlineData("http://169.254.10.10:5000", "127.0.0.1", 80, false)]
    public async Task AllowedAddresses_FromUpstreamToHost(string upstream, string host, int port, bool allowed)
    {
        var policy = new DestinationPolicy(new Uri(upstream), null, Own, Resolve);

        if (allowed)
        {
            Assert.NotEmpty(await policy.AllowedAddressesAsync(host, port, CancellationToken.None));
        }
        else
        {
            await Assert.ThrowsAsync<DestinationRefusedException>(() => policy.AllowedAddressesAsync(host, port, CancellationToken.None));
        }
    }

    [Theory]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000, true)]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7001, false)]
    [InlineData("localhost", "localhost", 1234, true)]
    [InlineData("localhost:80", "localhost", 8080, false)]
    [InlineData("storage.lan", "storage.lan", 80, false)] // not this one
    public async Task AllowedAddresses_ListedRedirectHost_AnyAddress(string listed, string host, int port, bool allowed)
    {
        var policy = new DestinationPolicy(new Uri("https://registry-1.docker.io"), [listed == "storage.lan" ? "other.lan" : listed], Own, Resolve);

        if (allowed)
        {
            Assert.NotEmpty(await policy.AllowedAddressesAsync(host, port, CancellationToken.None));
        }
        else
        {
            await Assert.ThrowsAsync<DestinationRefusedException>(() => policy.AllowedAddressesAsync(host, port, CancellationToken.None));
        }
    }

    [Fact]
    public async Task AllowedAddresses_MixedName_KeepsOnlyThePublicAddress()
    {
        var policy = new DestinationPolicy(new Uri("https://registry-1.docker.io"), null, Own, Resolve);

        var addresses = await policy.AllowedAddressesAsync("mixed.example", 443, CancellationToken.None);

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
