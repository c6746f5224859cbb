using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace OciCache.Hosting;

/// <summary>A <c>HOST:PORT</c> to bind: an IP address, <c>localhost</c>, or <c>0.0.0.0</c>/<c>*</c> for any.</summary>
internal sealed record ListenAddress(IPAddress? Address, bool Localhost, int Port)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out ListenAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            return false;
        }

        var host = value[..colon].Trim('[', ']');
        if (host is "*" or "0.0.0.0" or "::")
        {
            address = new ListenAddress(null, false, port);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = new ListenAddress(null, true, port);
        }
        else if (IPAddress.TryParse(host, out var ip))
        {
            address = new ListenAddress(ip, false, port);
        }

        return address is not null;
    }
}
