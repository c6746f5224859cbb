using OciCache.Oci;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// A registry played by WireMock, for upstreams that must misbehave on cue: token challenges, redirects,
/// 429, 5xx, resets mid-blob, wrong bytes, hangs. Helpers stub the registry API; tests add the mischief.
/// </summary>
public sealed class FakeUpstream : IDisposable
{
    private readonly List<HeldRequests> _holds = [];

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

    /// <summary>
    /// Holds every request under <paramref name="pathPrefix"/> unanswered, ahead of other stubs, until the
    /// test releases them: an upstream that hangs on cue. Unlike <see cref="Requests"/>, which logs a request
    /// once it was answered, the hold counts requests as they arrive.
    /// </summary>
    public HeldRequests Hold(string pathPrefix, int priority = 1)
    {
        var held = new HeldRequests();
        lock (_holds)
        {
            _holds.Add(held);
        }

        Server.Given(Request.Create().WithPath(p => p.StartsWith(pathPrefix, StringComparison.Ordinal)).UsingAnyMethod())
            .AtPriority(priority)
            .RespondWith(Response.Create().WithCallback(held.AnswerAsync));
        return held;
    }

    /// <summary>What <see cref="Manifest"/> answers, for a hold to release with.</summary>
    public static ResponseMessage ManifestResponse(TestBlob manifest) => new()
    {
        StatusCode = 200,
        Headers = new Dictionary<string, WireMockList<string>>
        {
            ["Content-Type"] = new(manifest.MediaType),
            ["Docker-Content-Digest"] = new(manifest.Digest.ToString()),
        },
        BodyData = new BodyData { BodyAsBytes = manifest.Bytes, DetectedBodyType = BodyType.Bytes },
    };

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

    public void Dispose()
    {
        lock (_holds)
        {
            foreach (var held in _holds)
            {
                held.Release(new ResponseMessage { StatusCode = 503 }); // nothing stays stuck in the server being stopped
            }
        }

        Server.Stop();
    }

    private static IRequestBuilder Matching(string path, string method, string? authorization)
    {
        var request = Request.Create().WithPath(path).UsingMethod(method);
        return authorization is null ? request : request.WithHeader("Authorization", authorization);
    }
}

/// <summary>Requests an upstream holds unanswered (<see cref="FakeUpstream.Hold"/>): counted on arrival, answered on release.</summary>
public sealed class HeldRequests
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly TaskCompletionSource<IResponseMessage> _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    /// <summary>Requests that reached the upstream under the held path (held, or answered after the release).</summary>
    public int Arrived
    {
        get { lock (_gate) { return _arrived; } }
    }

    /// <summary>Completes once <paramref name="count"/> requests arrived; fails the test after the (generous) timeout.</summary>
    public async Task WaitForArrivalsAsync(int count)
    {
        Task reached;
        lock (_gate)
        {
            if (_arrived >= count)
            {
                return;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
            reached = waiter.Task;
        }

        try
        {
            await reached.WaitAsync(Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{count} requests were to reach the upstream; {Arrived} did");
        }
    }

    /// <summary>Answers the held requests, and any later ones, with <paramref name="response"/>.</summary>
    public void Release(IResponseMessage response) => _released.TrySetResult(response);

    internal async Task<IResponseMessage> AnswerAsync(IRequestMessage request)
    {
        var reached = new List<TaskCompletionSource>();
        lock (_gate)
        {
            _arrived++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_arrived >= _waiters[i].Count)
                {
                    reached.Add(_waiters[i].Reached);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in reached)
        {
            waiter.TrySetResult();
        }

        return await _released.Task;
    }
}
