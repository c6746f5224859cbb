using System.CommandLine;
using OciCache.Hosting;
using OciCache.Storage;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache verify --data DIR [--repair]</c>: exit 0 when store and metadata agree, 1 with a report
/// when they do not (after repairing what <c>--repair</c> can), 2 when the check could not run.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Data folder to check (default: from --config, else ./data)." };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (for its Data folder)." };
        var repair = new Option<bool>("--repair") { Description = "Quarantine corrupt blobs and drop dangling rows." };
        var command = new Command("verify", "Re-hash every blob and check that metadata and store agree.") { data, config, repair };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(data) is { } folder)
            {
                overrides["Data"] = folder;
            }

            var settings = CommandLine.LoadSettings(parse.GetValue(config), overrides);
            if (settings is null)
            {
                return 2;
            }

            if (!Directory.Exists(settings.Data))
            {
                Console.Error.WriteLine($"ocicache: the data folder '{settings.Data}' does not exist.");
                return 2;
            }

            await using var services = OciCacheServices.Build(settings);
            var problem = parse.GetValue(repair) ? "repaired" : "problem";
            // Each finding is printed as it is found: a store of any size is reported in bounded memory.
            var report = await services.GetRequiredService<StoreVerifier>().VerifyAsync(parse.GetValue(repair),
                f => Console.WriteLine($"{(f.IsProblem ? problem : "note")}: {TerminalText.Escape(f.Message)}"), cancellationToken);

            Console.WriteLine(report.Consistent
                ? $"ok: {report.FilesChecked} blobs, {report.BytesChecked} bytes verified"
                : $"inconsistent: {report.ProblemCount} problems in {report.FilesChecked} blobs");
            return report.Consistent ? 0 : 1;
        });
        return command;
    }
}
