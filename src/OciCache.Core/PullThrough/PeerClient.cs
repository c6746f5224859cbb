using System.Net;
using System.Net.Http.Headers;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// Asks another replica for its running fill of a blob: <c>GET {owner}/_cluster/fills/{digest}</c> with the
/// shared secret as a bearer token. The owner answers with its fill's headers as soon as its upstream
/// answered, then streams bytes as they arrive (the last one once it verified the digest). One pooled
/// client for every peer; no proxy, no decompression, no redirects. The secret is never logged: failures
/// name the owner and the status only.
/// </summary>
internal sealed class PeerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ClusterSecret _secret;
    private readonly TimeSpan _headersTimeout;

    public PeerClient(ClusterSecret secret, UpstreamPolicyOptions policy)
    {
        _secret = secret;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = policy.ConnectTimeout,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the body is bounded by the fill's stall clock, the headers below
        };

        // The owner sends its headers once its own upstream answered, which takes at most its TotalTimeout.
        _headersTimeout = policy.TotalTimeout + policy.ConnectTimeout;
    }

    /// <summary>The owner's response (200, body streaming), or why there is none: NotFound when it has no such fill, Unreachable when it cannot be reached.</summary>
    public async Task<UpstreamResult> GetFillAsync(string ownerUrl, Digest digest, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(ownerUrl.TrimEnd('/') + "/"), $"_cluster/fills/{digest}"));
        request.Headers.Authorization = _secret.Header;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_headersTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Timeout, $"fill owner {ownerUrl} sent no headers within {_headersTimeout}");
        }
        catch (HttpRequestException e)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Unreachable, $"fill owner {ownerUrl}: {FailureText.Describe(e)}");
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            return UpstreamResult.Ok(response);
        }

        response.Dispose();
        return response.StatusCode == HttpStatusCode.NotFound
            ? UpstreamResult.Fail(UpstreamFailureKind.NotFound, $"fill owner {ownerUrl} has no fill of {digest}")
            : UpstreamResult.Fail(UpstreamFailureKind.Rejected, $"fill owner {ownerUrl} answered {(int)response.StatusCode}");
    }

    public void Dispose() => _http.Dispose();
}
