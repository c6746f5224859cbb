using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using OciCache.Hosting;

namespace OciCache.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON configuration file." };
        var listen = new Option<string?>("--listen") { Description = "HOST:PORT to listen on (default 0.0.0.0:5000)." };
        var data = new Option<string?>("--data") { Description = "Data folder (default ./data)." };
        var upstream = new Option<string[]>("--upstream")
        {
            Description = "A mirrored registry, NAME=URL (repeatable); replaces the default four.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        upstream.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!TrySplitUpstream(value, out _, out _))
                {
                    result.AddError($"--upstream: '{value}' is not NAME=URL.");
                }
            }
        });
        var logFormat = new Option<string?>("--log-format") { Description = "text (default) or json." };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var logLevel = new Option<string?>("--log-level") { Description = "Verbose, Debug, Information (default), Warning, Error." };

        var command = new Command("serve", "Run the registry and pull-through cache.")
        {
            config, listen, data, upstream, logFormat, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Native AOT expands its data at the process's start from a compressed copy in the executable; that
            // copy and the runtime's start-up code are read once. Released now, they do not add to start-up's peak.
            StartupPages.Release();
            var overrides = new Dictionary<string, string?>();
            Set(overrides, "Listen", parse.GetValue(listen));
            Set(overrides, "Data", parse.GetValue(data));
            Set(overrides, "Log:Format", parse.GetValue(logFormat));
            Set(overrides, "Log:Level", parse.GetValue(logLevel));
            foreach (var value in parse.GetValue(upstream) ?? [])
            {
                TrySplitUpstream(value, out var name, out var url);
                overrides[$"Upstreams:{name}:Url"] = url;
            }

            var settings = CommandLine.LoadSettings(parse.GetValue(config), overrides);
            if (settings is null)
            {
                return 2;
            }

            await using var app = Build(settings);
            if (app is null)
            {
                return 2;
            }

            using var guard = new ShutdownGuard(app.Lifetime, TimeProvider.System, app.Services.GetRequiredService<ILogger<ShutdownGuard>>(),
                ShutdownGuard.ExitNow, ShutdownGuard.ShutdownTimeout + ShutdownGuard.Grace);
            StartupLog.Write(app, settings);
            StartupGarbage.CollectWhenStarted(app.Lifetime, app.Services.GetRequiredService<ILoggerFactory>());
            try
            {
                await app.RunAsync();
            }
            catch (IOException e) when (e.InnerException is AddressInUseException)
            {
                // A setting that cannot work, like the ones above: one line and exit 2. Logging.CreateLogger drops
                // the host's "Hosting failed to start" with its stack trace for this exception.
                Console.Error.WriteLine($"ocicache: Listen (--listen): cannot listen on {settings.Listen}: the address is already in use.");
                return 2;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The server, or null after printing the checks it failed at start (as <see cref="CommandLine.LoadSettings"/> prints them).</summary>
    private static WebApplication? Build(OciCacheSettings settings)
    {
        try
        {
            return OciCacheApp.Build(settings);
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

    private static void Set(Dictionary<string, string?> overrides, string key, string? value)
    {
        if (value is not null)
        {
            overrides[key] = value;
        }
    }

    private static bool TrySplitUpstream(string value, out string name, out string url)
    {
        var equals = value.IndexOf('=');
        name = equals > 0 ? value[..equals].Trim() : "";
        url = equals > 0 ? value[(equals + 1)..].Trim() : "";
        return name.Length > 0 && url.Length > 0 && !name.Contains(':');
    }
}
