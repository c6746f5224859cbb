using System.CommandLine;
using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache config check [--config FILE]</c>: loads and validates the settings exactly as <c>serve</c>
/// does (file, <c>OCICACHE_</c> environment, checks at start) without starting anything or touching the
/// data folder, and prints the effective settings with secrets hidden. Exit 0 valid, 2 not.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON configuration file (default: none, only environment and defaults)." };
        var check = new Command("check", "Validate the configuration without starting, and print the effective settings with secrets hidden.") { config };
        check.SetAction(parse =>
        {
            var settings = CommandLine.LoadSettings(parse.GetValue(config), new Dictionary<string, string?>());
            if (settings is null)
            {
                return 2;
            }

            foreach (var line in EffectiveSettings.Lines(settings))
            {
                Console.WriteLine(line);
            }

            Console.Error.WriteLine("ok: the configuration is valid.");
            return 0;
        });
        return new Command("config", "Work with the configuration.") { check };
    }
}
