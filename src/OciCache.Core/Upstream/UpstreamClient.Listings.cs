using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Upstream;

/// <summary>The listings sync asks for: the upstream's catalog and a subject's referrers, both paged.</summary>
public sealed partial class UpstreamClient
{
    /// <summary>
    /// The upstream's repository names (<c>GET /v2/_catalog</c>), <paramref name="pageSize"/> a page, following
    /// <c>Link: rel="next"</c> by its <c>n</c> and <c>last</c> (a repository name) only, for at most
    /// <paramref name="maxPages"/> pages. Below a <see cref="UpstreamEndpoint.RepositoryPrefix"/> only names under
    /// it are kept, without it. A page that fails ends the listing: the names so far and the failure.
    /// </summary>
    public async Task<UpstreamNameList> ListCatalogAsync(string upstream, int pageSize, int maxPages, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints[upstream];
        var prefix = endpoint.RepositoryPrefix is { } p ? p + "/" : null;
        var names = new List<string>();
        string? last = null;
        for (var pages = 0; pages < maxPages; pages++)
        {
            using var listing = await GetPageAsync(upstream, RegistryPath.Catalog(pageSize, last), null, "catalog", cancellationToken);
            if (listing.Json is not { } json)
            {
                return new UpstreamNameList(names, listing.Failure);
            }

            var page = ReadStrings(json, "repositories");
            if (page is null)
            {
                return new UpstreamNameList(names, new UpstreamFailure(UpstreamFailureKind.Invalid, "catalog is not a JSON object with repositories"));
            }

            names.AddRange(page.Where(n => prefix is null || n.StartsWith(prefix, StringComparison.Ordinal))
                .Select(n => prefix is null ? n : n[prefix.Length..])
                .Where(RepositoryName.IsValid));
            var next = NextCatalogLast(listing.Links);
            if (next is null || next == last)
            {
                break;
            }

            last = next;
        }

        return new UpstreamNameList(names, null);
    }

    /// <summary>
    /// The manifests the upstream lists as referrers of <paramref name="subject"/> (OCI referrers API), following
    /// <c>Link</c> for at most <paramref name="maxPages"/> pages. A registry without the API answers 404
    /// (<see cref="UpstreamFailureKind.NotFound"/>): the caller falls back to the tag scheme.
    /// </summary>
    public async Task<UpstreamReferrers> ListReferrersAsync(Repository repository, Digest subject, int maxPages, CancellationToken cancellationToken)
    {
        var referrers = new List<Digest>();
        PageQuery? page = new PageQuery(null, null);
        for (var pages = 0; pages < maxPages && page is { } current; pages++)
        {
            using var listing = await GetPageAsync(UpstreamOf(repository), RegistryPath.Referrers(repository, subject, null, current),
                [MediaTypes.OciIndex], "referrers list", cancellationToken);
            if (listing.Json is not { } json)
            {
                return new UpstreamReferrers(referrers, listing.Failure);
            }

            if (json.RootElement.ValueKind == JsonValueKind.Object &&
                json.RootElement.TryGetProperty("manifests", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("digest", out var d) &&
                        d.ValueKind == JsonValueKind.String && Digest.TryParse(d.GetString(), out var digest))
                    {
                        referrers.Add(digest);
                    }
                }
            }

            page = NextPage(listing.Links, current, 0) is { } next ? next with { N = current.N } : null;
        }

        return new UpstreamReferrers(referrers, null);
    }

    private static List<string>? ReadStrings(JsonDocument json, string property)
    {
        if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty(property, out var list))
        {
            return null;
        }

        return list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList()
            : list.ValueKind == JsonValueKind.Null ? [] : null;
    }

    /// <summary>
    /// One page of a listing, read whole within <see cref="BoundedBody.MaxListingBytes"/> and
    /// <see cref="UpstreamPolicyOptions.ListingTimeout"/> (request to last byte): its JSON and its
    /// <c>Link</c> headers, or why it could not be read. A page that trickles in or never ends is a failure.
    /// </summary>
    private async Task<ListingPage> GetPageAsync(
        string upstream, RegistryPath path, IReadOnlyList<string>? accept, string what, CancellationToken cancellationToken)
    {
        using var deadline = new ListingDeadline(_listingTimeout, _time, cancellationToken);
        try
        {
            var result = await SendAsync(upstream, HttpMethod.Get, path, accept, deadline.Token);
            if (result.Response is not { } response)
            {
                return ListingPage.Failed(result.Failure!);
            }

            using (response)
            {
                IReadOnlyList<string> links = response.Headers.TryGetValues("Link", out var values) ? [.. values] : [];
                return new ListingPage(await BoundedBody.ReadJsonAsync(response, BoundedBody.MaxListingBytes, what, deadline.Token), links, null);
            }
        }
        catch (OperationCanceledException) when (deadline.Expired && !cancellationToken.IsCancellationRequested)
        {
            return ListingPage.Failed(new UpstreamFailure(UpstreamFailureKind.Timeout,
                $"{what} did not arrive within UpstreamPolicy:ListingTimeout ({deadline.Timeout})"));
        }
        catch (UpstreamBodyTooLargeException e)
        {
            return ListingPage.Failed(new UpstreamFailure(UpstreamFailureKind.Invalid, e.Message));
        }
        catch (JsonException e)
        {
            return ListingPage.Failed(new UpstreamFailure(UpstreamFailureKind.Invalid,
                $"{what} is not JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})"));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return ListingPage.Failed(new UpstreamFailure(UpstreamFailureKind.Unreachable, FailureText.Describe(e)));
        }
    }

    /// <summary>The <c>last</c> of the catalog page the response links to (a repository name), or null.</summary>
    private static string? NextCatalogLast(IReadOnlyList<string> links)
    {
        if (LinkHeader.FindNext(links) is not { } target ||
            target.IndexOf('?') is var question && question < 0)
        {
            return null;
        }

        var query = QueryHelpers.ParseQuery(target[question..]);
        return query.TryGetValue("last", out var last) && RepositoryName.IsValid(last.ToString()) ? last.ToString() : null;
    }
}

/// <summary>The repository names of an upstream's catalog that could be read, and why it ended early (null: it did not).</summary>
public sealed record UpstreamNameList(IReadOnlyList<string> Names, UpstreamFailure? Failure);

/// <summary>The referrers' digests an upstream listed, and why the listing ended early (null: it did not).</summary>
public sealed record UpstreamReferrers(IReadOnlyList<Digest> Referrers, UpstreamFailure? Failure);

/// <summary>One listing page as read: its JSON (the reader's to dispose) and <c>Link</c> headers, or the failure.</summary>
internal sealed record ListingPage(JsonDocument? Json, IReadOnlyList<string> Links, UpstreamFailure? Failure) : IDisposable
{
    public static ListingPage Failed(UpstreamFailure failure) => new(null, [], failure);

    public void Dispose() => Json?.Dispose();
}
