using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using OciCache.Oci;

namespace OciCache.Upstream;

/// <summary>
/// The paging parameters of a registry listing: <c>n</c>, at most this many entries, and <c>last</c>, the
/// entry the page starts after. Only these two are ever passed on; <c>last</c> must be a tag (tags/list)
/// or a digest (referrers), so it is safe in any URL once escaped.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags</remarks>
public readonly record struct PageQuery(int? N, string? Last)
{
    public static bool IsValidN(string? n, out int? value)
    {
        value = null;
        if (string.IsNullOrEmpty(n))
        {
            return true;
        }

        if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    public static bool IsValidLast(string? last) =>
        string.IsNullOrEmpty(last) || RepositoryName.IsValidTag(last) || Digest.TryParse(last, out _);

    /// <summary>Validates raw <c>n</c> and <c>last</c> values (a missing or empty one is absent).</summary>
    public static bool TryParse(string? n, string? last, out PageQuery page)
    {
        page = default;
        if (!IsValidN(n, out var size) || !IsValidLast(last))
        {
            return false;
        }

        page = new PageQuery(size, string.IsNullOrEmpty(last) ? null : last);
        return true;
    }

    /// <summary>
    /// The page a <c>Link</c> target (<c>/v2/…/tags/list?n=100&amp;last=v1.2</c>) points at. Everything but
    /// its <c>n</c> and <c>last</c> is ignored: the next request is rebuilt from validated parts, never
    /// sent to where the upstream said. False when the target carries no usable <c>last</c>.
    /// </summary>
    public static bool TryFromLinkTarget(string target, out PageQuery page)
    {
        page = default;
        var question = target.IndexOf('?');
        if (question < 0)
        {
            return false;
        }

        var query = QueryHelpers.ParseQuery(target[question..]);
        return TryParse(query.TryGetValue("n", out var n) ? n.ToString() : null, query.TryGetValue("last", out var last) ? last.ToString() : null, out page) &&
               page.Last is not null;
    }
}
