using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace OciCache.Upstream;

/// <summary>What kind of address a connection would reach, as far as where an upstream may send the cache.</summary>
internal enum AddressKind
{
    Public,

    /// <summary>A site network: RFC 1918 (10/8, 172.16/12, 192.168/16), CGNAT (100.64/10), IPv6 ULA (fc00::/7).</summary>
    Private,
    Loopback,
    LinkLocal,

    /// <summary>One of the cache machine's own addresses: it reaches the services on this machine, like loopback.</summary>
    Own,
}

/// <summary>
/// Where one upstream may send the cache: redirects and token realms name hosts the upstream chose, so a
/// hostile or compromised upstream could point the cache at a service on its own machine (loopback, its
/// own addresses), into the site's network, or at a cloud metadata endpoint (link-local).
/// <list type="bullet">
/// <item>The upstream's own host and port (it is configured), and the hosts of the upstream's
/// <see cref="UpstreamOptions.RedirectHosts"/>: any address.</item>
/// <item>Any other host: public addresses; private (site network) and link-local addresses only when the
/// upstream itself is at an address of that kind (a LAN registry handing blobs to its LAN storage);
/// loopback and the machine's own addresses never: another port of this machine is another service.</item>
/// </list>
/// The check runs where the connection is made (<see cref="ConnectAsync"/>), after name resolution, so a
/// name that resolves to loopback or into the LAN is refused like the literal.
/// </summary>
internal sealed class DestinationPolicy
{
    private static readonly Lazy<IReadOnlySet<IPAddress>> MachineAddresses = new(ReadMachineAddresses);

    private readonly Uri _upstream;
    private readonly IReadOnlyList<string> _allowedHosts;
    private readonly IReadOnlySet<IPAddress> _own;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private Task<AddressKind[]>? _upstreamKinds;

    /// <param name="upstream">The upstream's configured base URL.</param>
    /// <param name="allowedHosts">Hosts (<c>host</c> or <c>host:port</c>) the upstream may send the cache to at any address.</param>
    /// <param name="own">The cache's own addresses; the machine's interface addresses when null.</param>
    /// <param name="resolve">Name resolution; DNS when null.</param>
    public DestinationPolicy(
        Uri upstream, IReadOnlyList<string>? allowedHosts = null, IReadOnlySet<IPAddress>? own = null,
        Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _upstream = upstream;
        _allowedHosts = allowedHosts ?? [];
        _own = own ?? MachineAddresses.Value;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>Only http and https are followed; <c>file:</c>, <c>ftp:</c> and the like never.</summary>
    public static bool IsFollowableScheme(Uri target) => target.IsAbsoluteUri && target.Scheme is "http" or "https";

    /// <summary>
    /// The upstream's credentials go to a token realm over https; over plain http only when the upstream
    /// itself was configured with http (then they cross the same wire anyway).
    /// </summary>
    public static bool MayCarryCredentials(Uri upstream, string? realm) =>
        Uri.TryCreate(realm, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || upstream.Scheme == Uri.UriSchemeHttp);

    public static AddressKind Classify(IPAddress address, IReadOnlySet<IPAddress> own)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        // 0.0.0.0 and :: connect to the local machine on Linux.
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return AddressKind.Loopback;
        }

        var bytes = address.GetAddressBytes();
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        if (address.IsIPv6LinkLocal || (v4 && bytes is [169, 254, _, _]))
        {
            return AddressKind.LinkLocal;
        }

        if (own.Contains(address))
        {
            return AddressKind.Own;
        }

        var isPrivate = v4
            ? bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xF0) == 16) || (bytes[0] == 192 && bytes[1] == 168) ||
              (bytes[0] == 100 && (bytes[1] & 0xC0) == 64)
            : (bytes[0] & 0xFE) == 0xFC;
        return isPrivate ? AddressKind.Private : AddressKind.Public;
    }

    /// <summary>
    /// A public address is always allowed; a private or link-local one only when the upstream itself is on
    /// one of that kind; loopback and the machine's own never (for a host other than the upstream's own).
    /// </summary>
    public static bool Allows(IEnumerable<AddressKind> upstreamKinds, AddressKind target) => target switch
    {
        AddressKind.Public => true,
        AddressKind.Private or AddressKind.LinkLocal => upstreamKinds.Contains(target),
        _ => false,
    };

    /// <summary>
    /// The addresses of <paramref name="host"/> the cache may connect to on <paramref name="port"/> for this
    /// upstream: all of them for the upstream's own host and port and for a listed host, the allowed ones for any other.
    /// </summary>
    /// <exception cref="DestinationRefusedException">None of the host's addresses is allowed.</exception>
    public async Task<IPAddress[]> AllowedAddressesAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken);
        if ((SameHost(host, _upstream.Host) && port == _upstream.Port) || IsListed(host, port))
        {
            return addresses;
        }

        var upstreamKinds = await UpstreamKindsAsync(cancellationToken);
        var allowed = addresses.Where(a => Allows(upstreamKinds, Classify(a, _own))).ToArray();
        return allowed.Length > 0 ? allowed : throw new DestinationRefusedException(host, port);
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await AllowedAddressesAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A <c>host</c> entry allows every port of the host, a <c>host:port</c> entry that port only.</summary>
    private bool IsListed(string host, int port) =>
        _allowedHosts.Any(entry => Uri.TryCreate("http://" + entry, UriKind.Absolute, out var listed) && SameHost(listed.Host, host) &&
            (listed.IsDefaultPort && !entry.EndsWith(":80", StringComparison.Ordinal) || listed.Port == port));

    /// <summary>
    /// The kinds of the upstream's own addresses, resolved once (again after a failure) and shared: not
    /// bound to one request's token, each caller stops waiting on its own.
    /// </summary>
    private Task<AddressKind[]> UpstreamKindsAsync(CancellationToken cancellationToken)
    {
        var kinds = _upstreamKinds;
        if (kinds is null || kinds.IsFaulted || kinds.IsCanceled)
        {
            _upstreamKinds = kinds = ClassifyUpstreamAsync(CancellationToken.None);
        }

        return kinds.WaitAsync(cancellationToken);
    }

    private async Task<AddressKind[]> ClassifyUpstreamAsync(CancellationToken cancellationToken) =>
        [.. (await ResolveAsync(_upstream.Host, cancellationToken)).Select(a => Classify(a, _own)).Distinct()];

    private Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? Task.FromResult<IPAddress[]>([literal]) : _resolve(host, cancellationToken);

    private static bool SameHost(string a, string b) => a.Trim('[', ']').Equals(b.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);

    private static IReadOnlySet<IPAddress> ReadMachineAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return new HashSet<IPAddress>();
        }
    }
}

/// <summary>A redirect or a token realm named a host the upstream may not send the cache to.</summary>
internal sealed class DestinationRefusedException(string host, int port)
    : Exception($"{host}:{port} is not an address this upstream may send the cache to (loopback, the cache's own, a private or link-local network the upstream is not on); list it in the upstream's RedirectHosts to allow it");
