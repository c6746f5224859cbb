using Microsoft.Extensions.Configuration;
using OciCache.Auth;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Tls;
using OciCache.Sync;
using OciCache.Upstream;

namespace OciCache.Hosting;

/// <summary>
/// Finds configuration keys that name no setting. The binder skips them, so a typo such as
/// <c>Storage:MaxCacheByte</c> would start the server silently with the default; each one is reported with
/// the known key of its section nearest to it (fewest single-character edits, ignoring case).
/// </summary>
internal static class SettingsKeys
{
    /// <summary>The shape of <see cref="OciCacheSettings"/>; names of upstreams and list indexes are free.</summary>
    public static readonly SettingsShape Schema = SettingsShape.Of<OciCacheSettings>(
        (nameof(OciCacheSettings.Log), SettingsShape.Of<LogSettings>()),
        (nameof(OciCacheSettings.Upstreams), SettingsShape.EntriesOf(SettingsShape.Of<UpstreamOptions>())),
        (nameof(OciCacheSettings.Cache), SettingsShape.Of<PullThroughOptions>()),
        (nameof(OciCacheSettings.UpstreamPolicy), SettingsShape.Of<UpstreamPolicyOptions>()),
        (nameof(OciCacheSettings.Storage), SettingsShape.Of<StorageOptions>()),
        (nameof(OciCacheSettings.GarbageCollection), SettingsShape.Of<GarbageCollectionOptions>()),
        (nameof(OciCacheSettings.Scrub), SettingsShape.Of<ScrubOptions>()),
        (nameof(OciCacheSettings.Uploads), SettingsShape.Of<UploadOptions>()),
        (nameof(OciCacheSettings.Tls), SettingsShape.Of<TlsSettings>()),
        (nameof(OciCacheSettings.Auth), SettingsShape.Of<AuthSettings>(
            (nameof(AuthSettings.Groups), SettingsShape.EntriesOf(SettingsShape.EntriesOf(SettingsShape.Value))),
            (nameof(AuthSettings.Policies), SettingsShape.EntriesOf(SettingsShape.Of<PolicyRule>())),
            (nameof(AuthSettings.Anonymous), SettingsShape.EntriesOf(SettingsShape.EntriesOf(SettingsShape.Value))),
            (nameof(AuthSettings.AuditLog), SettingsShape.Of<AuditLogOptions>()),
            (nameof(AuthSettings.Oidc), SettingsShape.Of<OidcSettings>()))),
        (nameof(OciCacheSettings.Prefetch), SettingsShape.Of<PrefetchOptions>(
            (nameof(PrefetchOptions.Images), SettingsShape.EntriesOf(SettingsShape.Of<PrefetchImage>())))),
        (nameof(OciCacheSettings.Sync), SettingsShape.Of<SyncOptions>(
            (nameof(SyncOptions.Jobs), SettingsShape.EntriesOf(SettingsShape.Of<SyncJob>(
                (nameof(SyncJob.Tags), SettingsShape.Of<SyncTagFilter>())))))));

    /// <summary>Every key of <paramref name="configuration"/> that binds to nothing, with the nearest that would.</summary>
    public static List<(string Key, string Nearest)> FindUnknown(IConfiguration configuration)
    {
        var unknown = new List<(string Key, string Nearest)>();
        Walk(configuration, Schema, null, unknown);
        return unknown;
    }

    private static void Walk(IConfiguration section, SettingsShape shape, string? path, List<(string Key, string Nearest)> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var key = path is null ? child.Key : $"{path}:{child.Key}";
            if (shape.Entry is { } entry)
            {
                Walk(child, entry, key, unknown);
            }
            else if (shape.Keys is not { } keys)
            {
                unknown.Add((key, path!)); // below a value: the nearest key is the value's own
            }
            else if (keys.TryGetValue(child.Key, out var known))
            {
                Walk(child, known, key, unknown);
            }
            else
            {
                var nearest = keys.Keys.MinBy(k => Distance(child.Key, k))!;
                unknown.Add((key, path is null ? nearest : $"{path}:{nearest}"));
            }
        }
    }

    /// <summary>Levenshtein distance, ignoring case as configuration keys do.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
