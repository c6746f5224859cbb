using System.Net.Sockets;
using System.Text;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// <c>Type=notify</c> in appliance/ocicache.service: the published binary tells systemd it is ready once
/// it serves, and that it stops, over the datagram socket systemd names in <c>NOTIFY_SOCKET</c>. A
/// socket of the test's own stands in for systemd's.
/// </summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task PublishedBinary_SendsReadyOnceItServes_AndStoppingOnSigterm()
    {
        using var temp = new TempDirectory("notify");
        var socketPath = temp.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        // Returns at Kestrel's "Now listening" line, without asking /healthz.
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"),
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath },
            command: [ApplianceBuild.Executable("linux-x64")]);

        Assert.Equal("READY=1", await ReceiveAsync(socket));
        using (var client = new HttpClient())
        {
            Assert.Equal("ok", await client.GetStringAsync(new Uri(cache.BaseUri, "/healthz")));
        }

        await cache.StopAsync();
        Assert.Equal("STOPPING=1", await ReceiveAsync(socket));
    }

    [Fact]
    public async Task WithoutNotifySocket_ServesAsUsual()
    {
        using var temp = new TempDirectory("notify");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")]);

        using var client = new HttpClient();
        Assert.Equal("ok", await client.GetStringAsync(new Uri(cache.BaseUri, "/healthz")));
        Assert.DoesNotContain("systemd", cache.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, received);
    }
}
