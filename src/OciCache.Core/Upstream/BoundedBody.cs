using System.Text.Json;

namespace OciCache.Upstream;

/// <summary>
/// Reads a small upstream answer whole (a listing page, a token) to parse it as one JSON document, within a
/// size cap: a hostile or broken upstream must not make the cache hold an unbounded body. A listing page is
/// also bounded in time by <see cref="ListingDeadline"/>.
/// </summary>
internal static class BoundedBody
{
    /// <summary>One page of tags, catalog or referrers (10,000 tags of 128 characters are 1.3 MB).</summary>
    public const int MaxListingBytes = 16 * 1024 * 1024;

    /// <summary>A token service's answer (a JWT and its lifetime).</summary>
    public const int MaxTokenBytes = 1024 * 1024;

    /// <summary>The body parsed as JSON.</summary>
    /// <exception cref="UpstreamBodyTooLargeException">The body (or its Content-Length) is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, int maxBytes, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } announced && announced > maxBytes)
        {
            throw new UpstreamBodyTooLargeException(what, maxBytes);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var held = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (held.Length + read > maxBytes)
            {
                throw new UpstreamBodyTooLargeException(what, maxBytes);
            }

            held.Write(chunk, 0, read);
        }

        return JsonDocument.Parse(held.GetBuffer().AsMemory(0, (int)held.Length));
    }
}

/// <summary>An upstream answer larger than the cache reads for its kind.</summary>
internal sealed class UpstreamBodyTooLargeException(string what, int maxBytes)
    : Exception($"{what} is larger than the {maxBytes} bytes the cache reads");

/// <summary>
/// The time one listing page may take, from its request to its last byte (<see cref="UpstreamPolicyOptions.ListingTimeout"/>),
/// on the injected clock, linked with the caller's token.
/// </summary>
internal sealed class ListingDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;

    public ListingDeadline(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        _timer = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
        Timeout = timeout;
    }

    public TimeSpan Timeout { get; }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when the deadline (not the caller) cancelled.</summary>
    public bool Expired => _timer.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}
