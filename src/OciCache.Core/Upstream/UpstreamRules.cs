using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Upstream;

/// <summary>
/// What an upstream may be asked for (<c>Upstreams:&lt;name&gt;:Allow</c> and <c>Deny</c>), decided before anything
/// is fetched or served. A Deny rule that covers the request refuses it. With an Allow list, a request must
/// be covered by one of its rules: by tag, a rule naming that tag (or the whole repository); by digest or for
/// a listing, any rule of the repository (a tag pattern does not hide the repository's digests, but a denied
/// repository stays denied by digest).
/// </summary>
public sealed class UpstreamRules
{
    private readonly Dictionary<string, (UpstreamRule[] Allow, UpstreamRule[] Deny)> _byUpstream;

    public UpstreamRules(IReadOnlyDictionary<string, UpstreamOptions> upstreams)
    {
        _byUpstream = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, options) in upstreams)
        {
            if (options.Allow.Count > 0 || options.Deny.Count > 0)
            {
                _byUpstream[name] = ([.. options.Allow.Select(Parse)], [.. options.Deny.Select(Parse)]);
            }
        }
    }

    /// <summary>
    /// Null when <paramref name="repository"/> (a mirror repository) may be served for <paramref name="reference"/>
    /// (null for blobs and listings); otherwise the refusal, naming the rule.
    /// </summary>
    public Denied? Check(Repository repository, Reference? reference)
    {
        if (repository.Upstream is not { } upstream || !_byUpstream.TryGetValue(upstream, out var rules))
        {
            return null;
        }

        var name = repository.RemoteName!;
        var tag = reference is { IsTag: true } r ? r.Tag : null;
        foreach (var deny in rules.Deny)
        {
            if (tag is null ? deny.CoversRepository(name) : deny.CoversTag(name, tag))
            {
                return Denied(repository, reference, $"Upstreams:{upstream}:Deny '{deny}'");
            }
        }

        if (rules.Allow.Length == 0)
        {
            return null;
        }

        var allowed = tag is null
            ? rules.Allow.Any(a => a.Pattern.IsMatch(name))
            : rules.Allow.Any(a => a.CoversTag(name, tag));
        return allowed ? null : Denied(repository, reference, $"no rule of Upstreams:{upstream}:Allow covers it");
    }

    private static Denied Denied(Repository repository, Reference? reference, string why) =>
        new($"{repository.Name}{(reference is null ? "" : reference.Value.IsTag ? ":" + reference.Value.Tag : "@" + reference.Value.Digest)} is refused by the upstream policy: {why}");

    private static UpstreamRule Parse(string text) =>
        UpstreamRule.TryParse(text, out var rule, out var error) ? rule! : throw new FormatException(error);
}
