using System.CommandLine;
using OciCache.Hosting;
using OciCache.Oci;
using OciCache.Transfer;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache export IMAGE… [--platform OS/ARCH]… [--referrers] --to DIR|FILE.tar</c>: writes images from
/// the data folder (never from an upstream) as an OCI image layout, to carry them to a cache without a WAN.
/// An image a <c>Trust:Policies</c> rule finds unsigned or invalid refuses the export, naming image and rule,
/// unless <c>--allow-unsigned</c>.
/// Exit 0 when written; 1 naming the image or blob that is missing or unsigned (nothing is left at the
/// target); 2 for bad settings or arguments.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images")
        {
            Description = "Images as nodes pull them: docker.io/library/nginx:1.27, ghcr.io/owner/tool@sha256:…, or a local site/app:v1",
            Arity = ArgumentArity.OneOrMore,
        };
        var platforms = new Option<string[]>("--platform")
        {
            Description = "Only these platforms of a multi-arch index (repeatable), os/arch[/variant]; the index itself is kept whole.",
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
        var referrers = new Option<bool>("--referrers") { Description = "Add the referrers (signatures, SBOMs) the store holds for each manifest." };
        var allowUnsigned = new Option<bool>("--allow-unsigned")
        {
            Description = "Export images a Trust:Policies rule finds unsigned or invalid too (refused otherwise); each is named.",
        };
        var to = new Option<string>("--to") { Description = "A new folder, or a FILE.tar.", Required = true };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (upstreams, data folder)." };
        var data = new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data)." };

        var command = new Command("export", "Write images from the cache as an OCI image layout (folder or tar).") { images, platforms, referrers, allowUnsigned, to, config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = TransferSettings.Load(parse.GetValue(config), parse.GetValue(data));
            if (settings is null)
            {
                return 2;
            }

            await using var services = OciCacheServices.Build(settings);
            var progress = new TransferProgress();
            var request = new ExportRequest(parse.GetValue(images) ?? [], parse.GetValue(to)!)
            {
                Platforms = parse.GetValue(platforms) ?? [],
                Referrers = parse.GetValue(referrers),
                AllowUnsigned = parse.GetValue(allowUnsigned),
            };
            var (result, seconds) = await TransferDisplay.RunAsync(progress, "exported",
                () => services.GetRequiredService<Exporter>().ExportAsync(request, progress, cancellationToken),
                refused: "export failed", failed: "export failed");
            if (result is null)
            {
                return 1;
            }

            foreach (var note in result.Notes)
            {
                Console.WriteLine($"note: {TerminalText.Escape(note)}");
            }

            Console.WriteLine($"exported {result.Images} images and {result.Referrers} referrers, {result.Blobs} blobs " +
                              $"({ByteSize.Format(result.Bytes)}) to {request.Target} in {seconds:0.0}s");
            return 0;
        });
        return command;
    }
}
