using System.CommandLine;
using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>The <c>ocicache</c> command line: <c>serve</c>, <c>verify</c>, <c>prefetch</c>, <c>sync</c>, <c>robot</c>, <c>tls</c>, <c>export</c> and <c>import</c>.</summary>
internal static class CommandLine
{
    public static Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("OciCache: a pull-through cache and OCI registry for sites with a thin WAN.")
        {
            ServeCommand.Create(),
            VerifyCommand.Create(),
            PrefetchCommand.Create(),
            TlsCommand.Create(),
            ExportCommand.Create(),
            ImportCommand.Create(),
            RobotCommand.Create(),
            SyncCommand.Create(),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && RobotCommand.Owns(parse.CommandResult.Command))
        {
            return Task.FromResult(RobotCommand.BadArguments(parse));
        }

        // The web host handles SIGINT and SIGTERM itself (graceful shutdown); the parser must not race it.
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>Loads settings, or prints what is wrong with them and returns null.</summary>
    public static OciCacheSettings? LoadSettings(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        try
        {
            return SettingsLoader.Load(configFile, overrides);
        }
        catch (SettingsException e)
        {
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine($"ocicache: {error}");
            }

            return null;
        }
    }
}
