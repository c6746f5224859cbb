using System.CommandLine;
using System.Diagnostics;
using OciCache.Hosting;
using OciCache.Oci;
using OciCache.Lifecycle;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache prefetch IMAGE... [--platform OS/ARCH]...</c>: fetches images into the data folder once, the
/// way the scheduled prefetch does, showing bytes and rate while it runs on a terminal. Best run while the
/// server is stopped (a running server notices the new content within a minute). Exit 0 when every image
/// was fetched; 1 with a "failed: IMAGE: REASON" line for each one that was not (a requested platform it
/// does not have is such a reason), or for a malformed argument, before anything runs; 2 for bad settings.
/// </summary>
internal static class PrefetchCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Images, e.g. docker.io/library/nginx:1.27 or registry.k8s.io/pause:3.10", Arity = ArgumentArity.OneOrMore };
        images.Validators.Add(result =>
        {
            foreach (var image in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!ImageReference.TryParse(image, out _))
                {
                    result.AddError($"'{image}' is not an image name.");
                }
            }
        });
        var platforms = new Option<string[]>("--platform")
        {
            Description = "Platforms to fetch (repeatable), os/arch[/variant], e.g. linux/arm64; an image lacking one fails.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        platforms.Validators.Add(result =>
        {
            foreach (var platform in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!PlatformFilter.IsValid(platform))
                {
                    result.AddError($"--platform: '{platform}' is not os/arch[/variant], e.g. linux/arm64 or linux/arm/v7.");
                }
            }
        });
        var config = new Option<string?>("--config") { Description = "JSON configuration file (upstreams, data folder)." };
        var data = new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data)." };
        var upstream = new Option<string[]>("--upstream") { Description = "NAME=URL, as for serve (repeatable).", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("prefetch", "Fetch images into the cache now.") { images, platforms, config, data, upstream };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(data) is { } folder)
            {
                overrides["Data"] = folder;
            }

            foreach (var value in parse.GetValue(upstream) ?? [])
            {
                var equals = value.IndexOf('=');
                if (equals <= 0)
                {
                    Console.Error.WriteLine($"ocicache: --upstream: '{value}' is not NAME=URL.");
                    return 2;
                }

                overrides[$"Upstreams:{value[..equals]}:Url"] = value[(equals + 1)..];
            }

            var settings = CommandLine.LoadSettings(parse.GetValue(config), overrides);
            if (settings is null)
            {
                return 2;
            }

            var targets = (parse.GetValue(images) ?? []).Select(image => ToTarget(image, parse.GetValue(platforms) ?? [])).ToList();
            await using var services = OciCacheServices.Build(settings);
            var prefetcher = services.GetRequiredService<Prefetcher>();
            var started = Stopwatch.GetTimestamp();
            using var progress = Console.IsOutputRedirected ? null : ProgressLine.Start(() => prefetcher, p => p.BytesInFlight,
                (_, bytes, rate) => $"{ByteSize.Format(bytes),10} fetched, {ByteSize.Format(rate)}/s");
            var result = await prefetcher.RunAsync(targets, cancellationToken);
            if (progress is not null)
            {
                await progress.DisposeAsync();
                Console.WriteLine();
            }

            foreach (var image in result.Images)
            {
                Console.WriteLine($"ok: {TerminalText.Escape(image)}");
            }

            foreach (var failure in result.Failed)
            {
                Console.Error.WriteLine($"failed: {TerminalText.Escape(failure.ToString())}");
            }

            foreach (var warning in result.TrustWarnings)
            {
                Console.Error.WriteLine($"warning: {TerminalText.Escape(warning.ToString())} (copied: the rule warns)");
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine($"{result.Manifests} manifests, {result.BlobsFetched} blobs fetched ({ByteSize.Format(result.BytesFetched)}), " +
                              $"{result.BlobsPresent} already cached, {seconds:0.0}s");
            return result.Failed.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static PrefetchImage ToTarget(string image, string[] platforms)
    {
        ImageReference.TryParse(image, out var reference);
        return new PrefetchImage
        {
            Image = reference!.Digest is { } digest ? $"{reference.RoutedName}@{digest}" : reference.RoutedName,
            Tags = reference.Digest is null ? [reference.Tag ?? "latest"] : [],
            Platforms = [.. platforms],
        };
    }
}
