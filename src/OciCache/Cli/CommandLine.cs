using System.CommandLine;
using System.CommandLine.Parsing;
using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>The <c>ocicache</c> command line: <c>serve</c>, <c>verify</c>, <c>prefetch</c>, <c>sync</c>, <c>robot</c>, <c>tls</c>, <c>export</c>, <c>import</c> and <c>config</c>.</summary>
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
            ConfigCommand.Create(),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return Task.FromResult(UsageError(parse));
        }

        // The web host handles SIGINT and SIGTERM itself (graceful shutdown); the parser must not race it.
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>Prints the parser's errors and returns 2, the exit code of every usage error (the parser's own is 1).</summary>
    private static int UsageError(ParseResult parse)
    {
        foreach (var error in parse.Errors)
        {
            Console.Error.WriteLine($"ocicache: {error.Message}");
        }

        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name); // the root command is "ocicache" itself
        }

        Console.Error.WriteLine($"Run '{string.Join(' ', names.Prepend("ocicache"))} --help' for usage.");
        return 2;
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
