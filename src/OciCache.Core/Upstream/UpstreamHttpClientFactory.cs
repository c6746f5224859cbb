using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace OciCache.Upstream;

/// <summary>
/// Builds the one pooled connection handler per upstream with YARP's factory (no proxy, no cookies, no
/// decompression, no automatic redirects), adds per-upstream timeouts and TLS trust, and wraps it in the
/// redirect and auth handlers. Every connection goes only where <see cref="DestinationPolicy"/> allows. The cache's own requests and the YARP forwarder share the result.
/// </summary>
internal sealed class UpstreamHttpClientFactory(
    Uri baseUri, UpstreamOptions options, UpstreamPolicyOptions policy, TokenCache tokens) : ForwarderHttpClientFactory
{
    private readonly DestinationPolicy _destinations = new(baseUri, options.RedirectHosts);

    public HttpMessageInvoker Create() => CreateClient(new ForwarderHttpClientContext { NewConfig = HttpClientConfig.Empty });

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = policy.ConnectTimeout;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1);
        handler.ResponseDrainTimeout = TimeSpan.FromSeconds(2);
        handler.ActivityHeadersPropagator = null;
        handler.ConnectCallback = _destinations.ConnectAsync;
        if (options.InsecureSkipVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (options.CaFile is { Length: > 0 } caFile)
        {
            var extra = new X509Certificate2Collection();
            extra.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && TrustedBy(extra, certificate, errors));
        }
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var credentials = options.Username is { Length: > 0 } user ? new NetworkCredential(user, options.Password ?? "") : null;
        var auth = new UpstreamAuthHandler(baseUri, credentials, tokens) { InnerHandler = handler };
        return new RedirectHandler { InnerHandler = auth };
    }

    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate certificate, SslPolicyErrors errors)
    {
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false; // a name mismatch is not forgiven by an extra CA
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
