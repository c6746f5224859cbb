using OciCache.Lifecycle;
using OciCache.Telemetry;
using OciCache.Tls;
using Serilog.Events;

namespace OciCache.Hosting;

/// <summary>Checks settings before anything starts; each failure names the key (and flag) to fix.</summary>
internal static class SettingsValidator
{
    public static List<string> Check(OciCacheSettings settings)
    {
        var errors = new List<string>();
        if (!ListenAddress.TryParse(settings.Listen, out _))
        {
            errors.Add($"Listen (--listen): '{settings.Listen}' is not HOST:PORT with a port from 0 to 65535.");
        }

        if (string.IsNullOrWhiteSpace(settings.Data))
        {
            errors.Add("Data (--data): the data folder must not be empty.");
        }

        if (settings.Log.Format is not ("text" or "json"))
        {
            errors.Add($"Log:Format (--log-format): '{settings.Log.Format}' is neither 'text' nor 'json'.");
        }

        if (!Enum.TryParse<LogEventLevel>(settings.Log.Level, ignoreCase: true, out _))
        {
            errors.Add($"Log:Level (--log-level): '{settings.Log.Level}' is not one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}.");
        }

        Positive(errors, "Cache:TagRevalidateInterval", settings.Cache.TagRevalidateInterval, allowZero: true);
        Positive(errors, "Cache:RevalidateWait", settings.Cache.RevalidateWait, allowZero: true);
        Positive(errors, "Cache:MaxStaleness", settings.Cache.MaxStaleness, allowZero: true);
        Positive(errors, "Cache:NegativeCacheTtl", settings.Cache.NegativeCacheTtl, allowZero: true);
        Positive(errors, "Cache:OrphanedFillTimeout", settings.Cache.OrphanedFillTimeout);
        if (settings.Cache.MaxBlobBytes <= 0)
        {
            errors.Add("Cache:MaxBlobBytes must be more than zero.");
        }

        if (settings.Cache.ManifestBytesInFlight < OciCache.Oci.ManifestDocument.MaxSize)
        {
            errors.Add($"Cache:ManifestBytesInFlight must be at least {OciCache.Oci.ManifestDocument.MaxSize} bytes (one manifest of the largest size).");
        }
        var policy = settings.UpstreamPolicy;
        Positive(errors, "UpstreamPolicy:ConnectTimeout", policy.ConnectTimeout);
        Positive(errors, "UpstreamPolicy:ResponseTimeout", policy.ResponseTimeout);
        Positive(errors, "UpstreamPolicy:TotalTimeout", policy.TotalTimeout);
        Positive(errors, "UpstreamPolicy:StallTimeout", policy.StallTimeout);
        Positive(errors, "UpstreamPolicy:ListingTimeout", policy.ListingTimeout);
        if (policy.MinBodyRate < 0)
        {
            errors.Add("UpstreamPolicy:MinBodyRate must not be negative.");
        }
        Positive(errors, "UpstreamPolicy:BreakDuration", policy.BreakDuration);
        if (policy.Retries is < 0 or > 10)
        {
            errors.Add($"UpstreamPolicy:Retries: {policy.Retries} is not between 0 and 10.");
        }

        if (policy.TotalTimeout < policy.ResponseTimeout)
        {
            errors.Add("UpstreamPolicy:TotalTimeout must be at least UpstreamPolicy:ResponseTimeout.");
        }

        var storage = settings.Storage;
        if (storage.MaxCacheBytes < 0 || storage.MinFreeBytes < 0)
        {
            errors.Add("Storage:MaxCacheBytes and Storage:MinFreeBytes must not be negative.");
        }

        if (storage.LowWaterPercent is < 10 or > 100)
        {
            errors.Add($"Storage:LowWaterPercent: {storage.LowWaterPercent} is not between 10 and 100.");
        }

        Positive(errors, "Storage:EvictionInterval", storage.EvictionInterval);
        Positive(errors, "Storage:AccessFlushInterval", storage.AccessFlushInterval);
        foreach (var pin in storage.Pins)
        {
            if (!PinPattern.TryParse(pin, out _, out var pinError))
            {
                errors.Add($"Storage:Pins: '{pin}': {pinError}.");
            }
        }

        Positive(errors, "GarbageCollection:Interval", settings.GarbageCollection.Interval);
        Positive(errors, "GarbageCollection:GracePeriod", settings.GarbageCollection.GracePeriod, allowZero: true);
        Positive(errors, "Uploads:IdleExpiry", settings.Uploads.IdleExpiry);
        Positive(errors, "Scrub:Interval", settings.Scrub.Interval, allowZero: true);
        if (settings.Scrub.BytesPerSecond <= 0)
        {
            errors.Add("Scrub:BytesPerSecond must be more than zero.");
        }

        if (settings.Uploads.MaxSessionsPerClient <= 0)
        {
            errors.Add($"Uploads:MaxSessionsPerClient: {settings.Uploads.MaxSessionsPerClient} must be more than zero.");
        }

        if (settings.Uploads.MaxSessions <= 0)
        {
            errors.Add($"Uploads:MaxSessions: {settings.Uploads.MaxSessions} must be more than zero.");
        }

        Positive(errors, "Prefetch:Interval", settings.Prefetch.Interval, allowZero: true);
        for (var i = 0; i < settings.Prefetch.Images.Count; i++)
        {
            var image = settings.Prefetch.Images[i];
            if (!ImageReference.TryParse(image.Image, out _))
            {
                errors.Add($"Prefetch:Images:{i}:Image: '{image.Image}' is not an image name.");
            }

            foreach (var tag in image.Tags.Where(t => !t.Contains('*') && !OciCache.Oci.RepositoryName.IsValidTag(t)))
            {
                errors.Add($"Prefetch:Images:{i}:Tags: '{tag}' is not a tag (nor a pattern with *).");
            }

            foreach (var platform in image.Platforms.Where(p => !Prefetcher.IsPlatformFilter(p)))
            {
                errors.Add($"Prefetch:Images:{i}:Platforms: '{platform}' is not os/arch[/variant].");
            }
        }

        if (settings.Auth is { } auth)
        {
            AuthSettingsValidator.Check(auth, errors);
        }

        SyncSettingsValidator.Check(settings, errors);
        var routes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, upstream) in settings.Upstreams)
        {
            var key = $"Upstreams:{name}";
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
                    if (!OciCache.Upstream.UpstreamRule.TryParse(rules[i], out _, out var error))
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

        errors.AddRange(TlsSettingsCheck.Check(settings.Tls));
        return errors;
    }

    private static void Positive(List<string> errors, string key, TimeSpan value, bool allowZero = false)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            errors.Add($"{key}: {value} must be {(allowZero ? "zero or more" : "more than zero")} (format d.hh:mm:ss).");
        }
    }
}
