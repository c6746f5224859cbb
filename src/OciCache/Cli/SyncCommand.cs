using System.CommandLine;
using System.Diagnostics;
using OciCache.Hosting;
using OciCache.Sync;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache sync [JOB]</c>: runs one configured sync job now (every job when none is named), as the
/// server's schedule would, with a progress line (images, bytes, rate) on a terminal. Exit 0 when every
/// run copied everything it matched; 1 with a <c>failed: JOB: IMAGE: REASON</c> line for each failure (a
/// run skipped because the cache is offline is one); 2 for bad settings or a job that is not configured.
/// </summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var job = new Argument<string?>("job") { Description = "The job's Name (Sync:Jobs); every job when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (upstreams, Sync:Jobs, data folder)." };
        var data = new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data)." };
        var command = new Command("sync", "Run sync jobs now.") { job, config, data };
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

            var jobs = settings.Sync.Jobs.Select((j, i) => (Job: j, Name: j.NameOrDefault(i))).ToList();
            if (parse.GetValue(job) is { } wanted)
            {
                jobs = jobs.Where(j => j.Name == wanted).ToList();
                if (jobs.Count == 0)
                {
                    Console.Error.WriteLine($"ocicache: sync: no job named '{wanted}' (Sync:Jobs has {string.Join(", ", settings.Sync.Jobs.Select((j, i) => j.NameOrDefault(i)).DefaultIfEmpty("none"))}).");
                    return 2;
                }
            }

            await using var services = OciCacheServices.Build(settings);
            var runner = services.GetRequiredService<SyncRunner>();
            var failed = 0;
            foreach (var (syncJob, name) in jobs)
            {
                SyncRun? current = null;
                using var progress = Console.IsOutputRedirected ? null : ProgressLine.Start(() => current, r => r.BytesInFlight,
                    (r, bytes, rate) => $"{r.Job}: {r.Images} images, {ByteSize.Format(bytes),10} fetched, {ByteSize.Format(rate)}/s");
                var run = await runner.RunAsync(syncJob, name, r => current = r, cancellationToken);
                if (progress is not null)
                {
                    // The last status line holds the run's totals and average rate, however short the run was.
                    await progress.DisposeAsync();
                    var average = run.BytesFetched / Math.Max(run.Elapsed.TotalSeconds, 0.001);
                    Console.WriteLine($"\r{name}: {run.Images} images, {ByteSize.Format(run.BytesFetched),10} fetched, {ByteSize.Format((long)average)}/s      ");
                }

                if (run.Skipped)
                {
                    Console.Error.WriteLine($"failed: {name}: skipped, the cache is offline (Cache:Offline)");
                    failed++;
                }

                foreach (var failure in run.Failed)
                {
                    Console.Error.WriteLine($"failed: {name}: {TerminalText.Escape(failure.ToString())}");
                    failed++;
                }

                foreach (var warning in run.TrustWarnings)
                {
                    Console.Error.WriteLine($"warning: {name}: {TerminalText.Escape(warning.ToString())} (copied: the rule warns)");
                }

                Console.WriteLine($"{name}: {run.Images} images, {run.BlobsFetched} blobs fetched ({ByteSize.Format(run.BytesFetched)}), " +
                                  $"{run.BlobsPresent} already cached, {run.Failed.Count} failed, {run.Elapsed.TotalSeconds:0.0}s");
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
