using System.CommandLine;
using OciCache.Hosting;
using OciCache.Transfer;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache import DIR|FILE.tar</c>: loads an OCI image layout (an export) into the data folder, every
/// blob verified first; content of a mirrored registry is recorded as that upstream's, so nodes pull it by
/// its usual name without a WAN. The server may keep running (it sees the new content within a minute).
/// Exit 0 when imported (also when everything was there already); 1 naming what failed, nothing recorded;
/// 2 for bad settings.
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

        var command = new Command("import", "Load an OCI image layout (folder or tar) into the cache, verified.") { bundle, config, data, asLocal };
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
                () => services.GetRequiredService<Importer>().ImportAsync(path, progress, cancellationToken, parse.GetValue(asLocal)),
                refused: "import failed, nothing was recorded", failed: "import failed");
            if (result is null)
            {
                return 1;
            }

            Console.WriteLine($"imported {result.Images} images from {path}: {result.ManifestsStored} manifests stored, " +
                              $"{result.ManifestsPresent} already present, {result.BlobsLinked} blobs linked, " +
                              $"{result.BlobsVerified} blobs ({ByteSize.Format(result.Bytes)}) verified in {seconds:0.0}s");
            return 0;
        });
        return command;
    }
}
