using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace OciCache.Upstream;

/// <summary>What kind of address a connection would reach, as far as where an upstream may send the cache.</summary>
internal enum AddressKind
{
    Public,
    Loopback,
    LinkLocal,
    Own,
}

/// <summary>
/// Where one upstream may send the cache: redirects and token realms name hosts the upstream chose, so a
/// hostile or compromised upstream could point the cache at itself, at a service on loopback, or at a
/// cloud metadata endpoint (link-local). The upstream's own host is always reachable (it is configured);
/// any other host only at public addresses, or at an address of a kind the upstream itself is on (tests
/// and single-machine setups run upstreams on 127.0.0.1 that redirect to 127.0.0.1). The check runs where
/// the connection is made (<see cref="ConnectAsync"/>), after name resolution, so a name that resolves to
/// loopback is refused like the literal.
/// </summary>
internal sealed class DestinationPolicy
{
    private static readonly Lazy<IReadOnlySet<IPAddress>> MachineAddresses = new(ReadMachineAddresses);

    private readonly Uri _upstream;
    private readonly IReadOnlySet<IPAddress> _own;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private Task<AddressKind[]>? _upstreamKinds;

    /// <param name="upstream">The upstream's configured base URL.</param>
    /// <param name="own">The cache's own addresses; the machine's interface addresses when null.</param>
    /// <param name="resolve">Name resolution; DNS when null.</param>
    public DestinationPolicy(Uri upstream, IReadOnlySet<IPAddress>? own = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _upstream = upstream;
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

        if (address.IsIPv6LinkLocal || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes() is [169, 254, _, _]))
        {
            return AddressKind.LinkLocal;
        }

        return own.Contains(address) ? AddressKind.Own : AddressKind.Public;
    }

    /// <summary>A public address is always allowed; any other only when the upstream itself is on one of that kind.</summary>
    public static bool Allows(IEnumerable<AddressKind> upstreamKinds, AddressKind target) =>
        target == AddressKind.Public || upstreamKinds.Contains(target);

    /// <summary>
    /// The addresses of <paramref name="host"/> the cache may connect to for this upstream: all of them for
    /// the upstream's own host, the allowed ones for any other.
    /// </summary>
    /// <exception cref="DestinationRefusedException">None of the host's addresses is allowed.</exception>
    public async Task<IPAddress[]> AllowedAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken);
        if (SameHost(host, _upstream.Host))
        {
            return addresses;
        }

        var upstreamKinds = await UpstreamKindsAsync(cancellationToken);
        var allowed = addresses.Where(a => Allows(upstreamKinds, Classify(a, _own))).ToArray();
        return allowed.Length > 0 ? allowed : throw new DestinationRefusedException(host);
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await AllowedAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
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
internal sealed class DestinationRefusedException(string host)
    : Exception($"{host} is not an address this upstream may send the cache to (loopback, link-local or the cache's own)");
