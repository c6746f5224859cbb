using System.CommandLine;
using OciCache.Hosting;
using OciCache.Transfer;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache import DIR|FILE.tar</c>: loads an OCI image layout (an export) into the data folder, every
/// blob verified first; content of a mirrored registry is recorded as that upstream's, so nodes pull it by
/// its usual name without a WAN. The server may keep running (it sees the new content within a minute).
/// An image bound for a repository a <c>Trust:Policies</c> rule enforces is imported only when the bundle
/// carries a signature a key of the rule verifies (or with <c>--allow-unsigned</c>).
/// Exit 0 when imported (also when everything was there already); 1 naming what failed, nothing recorded,
/// or naming the images a trust rule refused (the others were imported); 2 for bad settings.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("bundle") { Description = "A folder or a .tar holding an OCI image layout." };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (upstreams, data folder)." };
        var data = new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data)." };

        var asLocal = new Option<bool>("--as-local")
        {
            Description = "Import images another site cached from an upstream this site lacks as local repositories of the same name (refused otherwise).",
        };

        var allowUnsigned = new Option<bool>("--allow-unsigned")
        {
            Description = "Import images an enforcing Trust:Policies rule refuses (not signed by a key of the rule in the bundle) too; each is named.",
        };

        var command = new Command("import", "Load an OCI image layout (folder or tar) into the cache, verified.") { bundle, config, data, asLocal, allowUnsigned };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = TransferSettings.Load(parse.GetValue(config), parse.GetValue(data));
            if (settings is null)
            {
                return 2;
            }

            await using var services = OciCacheServices.Build(settings);
            var progress = new TransferProgress();
            var path = parse.GetValue(bundle)!;
            var (result, seconds) = await TransferDisplay.RunAsync(progress, "verified",
                () => services.GetRequiredService<Importer>().ImportAsync(path, progress, cancellationToken, parse.GetValue(asLocal), parse.GetValue(allowUnsigned)),
                refused: "import failed, nothing was recorded", failed: "import failed");
            if (result is null)
            {
                return 1;
            }

            Console.WriteLine($"imported {result.Images - result.Refused.Count} images from {path}: {result.ManifestsStored} manifests stored, " +
                              $"{result.ManifestsPresent} already present, {result.BlobsLinked} blobs linked, " +
                              $"{result.BlobsVerified} blobs ({ByteSize.Format(result.Bytes)}) verified in {seconds:0.0}s");
            foreach (var unsigned in result.Unsigned)
            {
                Console.Error.WriteLine($"warning: imported unsigned: {TerminalText.Escape(unsigned)}");
            }

            foreach (var refused in result.Refused)
            {
                Console.Error.WriteLine($"refused: {TerminalText.Escape(refused)}; not imported (--allow-unsigned imports it)");
            }

            return result.Refused.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
