using Microsoft.Extensions.Options;
using OciCache.Settings;
using OciCache.Upstream;

namespace OciCache;

/// <summary>
/// Checks what belongs to no single section at start: each upstream of <c>Upstreams</c> (its URL, files,
/// rules and the names it is routed by, which must not collide across upstreams), and that every sync job
/// names a configured upstream, and the entries of <c>Quotas</c>. Each failure names its key (<c>Upstreams:docker.io:Deny:0</c>).
/// </summary>
internal sealed class OciCacheCoreOptionsValidator : IValidateOptions<OciCacheCoreOptions>
{
    public ValidateOptionsResult Validate(string? name, OciCacheCoreOptions options)
    {
        var errors = new List<string>();
        var routes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (upstreamName, upstream) in options.Upstreams)
        {
            CheckUpstream($"Upstreams:{upstreamName}", upstreamName, upstream, routes, errors);
        }

        var upstreams = options.EffectiveUpstreams;
        for (var i = 0; i < options.Sync.Jobs.Count; i++)
        {
            var job = options.Sync.Jobs[i];
            if (!upstreams.ContainsKey(job.Upstream))
            {
                errors.Add($"Sync:Jobs:{i}:Upstream: '{job.Upstream}' is not a configured upstream ({string.Join(", ", upstreams.Keys)}).");
            }
        }

        errors.AddRange(Registry.QuotaOptionsRules.Problems(options.Quotas));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUpstream(string key, string name, UpstreamOptions upstream, Dictionary<string, string> routes, List<string> errors)
    {
        if (!Uri.TryCreate(upstream.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add($"{key}:Url (--upstream {name}=URL): '{UrlRedaction.Redact(upstream.Url)}' is not an absolute http or https URL.");
        }

        if (upstream.CaFile is { Length: > 0 } ca && !File.Exists(ca))
        {
            errors.Add($"{key}:CaFile: '{ca}' does not exist.");
        }

        if (string.IsNullOrEmpty(upstream.Username) != string.IsNullOrEmpty(upstream.Password))
        {
            errors.Add($"{key}: Username and Password go together.");
        }

        foreach (var (list, rules) in new[] { ("Allow", upstream.Allow), ("Deny", upstream.Deny) })
        {
            for (var i = 0; i < rules.Count; i++)
            {
                if (!UpstreamRule.TryParse(rules[i], out _, out var error))
                {
                    errors.Add($"{key}:{list}:{i}: {error}.");
                }
            }
        }

        foreach (var route in upstream.Aliases.Prepend(name))
        {
            if (string.IsNullOrWhiteSpace(route) || route.Contains('/'))
            {
                errors.Add($"{key}:Aliases: '{route}' must be a single path segment.");
            }
            else if (!routes.TryAdd(route, name) && routes[route] != name)
            {
                errors.Add($"{key}:Aliases: '{route}' already routes to upstream '{routes[route]}'.");
            }
        }
    }
}
