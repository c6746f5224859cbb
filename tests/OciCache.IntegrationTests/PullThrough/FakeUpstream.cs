using OciCache.Oci;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// A registry played by WireMock, for upstreams that must misbehave on cue: token challenges, redirects,
/// 429, 5xx, resets mid-blob, wrong bytes, hangs. Helpers stub the registry API; tests add the mischief.
/// </summary>
public sealed class FakeUpstream : IDisposable
{
    private FakeUpstream(WireMockServer server)
    {
        Server = server;
    }

    public WireMockServer Server { get; }

    public string Url => Server.Url!;

    public static FakeUpstream Start() => new(WireMockServer.Start());

    /// <summary>Serves an image: manifest by tag and digest (GET and HEAD), config and layers.</summary>
    public void Image(string repository, string tag, TestImage image, string? requireAuthorization = null)
    {
        Manifest(repository, tag, image.Manifest, requireAuthorization);
        Manifest(repository, image.Digest.ToString(), image.Manifest, requireAuthorization);
        foreach (var blob in image.Blobs)
        {
            Blob(repository, blob, requireAuthorization);
        }
    }

    public void Manifest(string repository, string reference, TestBlob manifest, string? requireAuthorization = null, int priority = 5)
    {
        foreach (var method in new[] { "GET", "HEAD" })
        {
            Server.Given(Matching($"/v2/{repository}/manifests/{reference}", method, requireAuthorization))
                .AtPriority(priority)
                .RespondWith(Response.Create()
                    .WithStatusCode(200)
                    .WithHeader("Content-Type", manifest.MediaType)
                    .WithHeader("Docker-Content-Digest", manifest.Digest.ToString())
                    .WithBody(manifest.Bytes));
        }
    }

    public void Blob(string repository, TestBlob blob, string? requireAuthorization = null, int priority = 5) =>
        Blob(repository, blob.Digest, blob.Bytes, requireAuthorization, priority);

    /// <summary>Serves <paramref name="bytes"/> as the blob <paramref name="digest"/> (which tests may make wrong).</summary>
    public void Blob(string repository, Digest digest, byte[] bytes, string? requireAuthorization = null, int priority = 5)
    {
        foreach (var method in new[] { "GET", "HEAD" })
        {
            Server.Given(Matching($"/v2/{repository}/blobs/{digest}", method, requireAuthorization))
                .AtPriority(priority)
                .RespondWith(Response.Create()
                    .WithStatusCode(200)
                    .WithHeader("Content-Type", "application/octet-stream")
                    .WithHeader("Docker-Content-Digest", digest.ToString())
                    .WithBody(bytes));
        }
    }

    /// <summary>Answers every request under <paramref name="pathPrefix"/> with <paramref name="response"/>, ahead of other stubs.</summary>
    public void Override(string pathPrefix, IResponseBuilder response, int priority = 1) =>
        Server.Given(Request.Create().WithPath(p => p.StartsWith(pathPrefix, StringComparison.Ordinal)).UsingAnyMethod())
            .AtPriority(priority)
            .RespondWith(response);

    public IReadOnlyList<ILogEntry> Requests => Server.LogEntries.ToList();

    public int Count(string method, string pathPart) =>
        Requests.Count(e => e.RequestMessage.Method == method && e.RequestMessage.Path.Contains(pathPart, StringComparison.Ordinal));

    /// <summary>Like <see cref="Count"/>, but only requests this fake answered with 2xx.</summary>
    public int CountServed(string method, string pathPart) =>
        Requests.Count(e => e.RequestMessage.Method == method && e.RequestMessage.Path.Contains(pathPart, StringComparison.Ordinal) &&
                            e.ResponseMessage.StatusCode is int status && status is >= 200 and < 300);

    /// <summary>Every value of a request header this fake received (for credential-leak checks).</summary>
    public IEnumerable<string> HeaderValues(string header) =>
        Requests.SelectMany(e => e.RequestMessage.Headers?.TryGetValue(header, out var v) == true ? v.ToArray() : []);

    public void Dispose() => Server.Stop();

    private static IRequestBuilder Matching(string path, string method, string? authorization)
    {
        var request = Request.Create().WithPath(path).UsingMethod(method);
        return authorization is null ? request : request.WithHeader("Authorization", authorization);
    }
}
