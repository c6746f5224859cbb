using Microsoft.Extensions.Configuration;

namespace OciCache.Hosting;

/// <summary>
/// Builds <see cref="OciCacheSettings"/> from file, environment and flags, in rising precedence: keys that
/// bind to nothing are named first (<see cref="UnknownKeys"/>), durations in unit form rewritten
/// (<see cref="SettingsDurations"/>), then the source-generated binder fills the records and
/// <see cref="OciCacheServices.Check"/> runs the checks beside them.
/// </summary>
internal static class SettingsLoader
{
    public const string EnvironmentPrefix = "OCICACHE_";

    /// <param name="configFile">A JSON file, or null; a named file that does not exist is an error.</param>
    /// <param name="overrides">Configuration keys set by command-line flags (<c>Listen</c>, <c>Upstreams:docker.io:Url</c>).</param>
    public static OciCacheSettings Load(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        // File and environment are read apart first, so an unknown key is reported as it was written there.
        IConfigurationRoot? file = null;
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new SettingsException([$"--config: the file '{configFile}' does not exist."]);
            }

            try
            {
                file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException)
            {
                throw new SettingsException([$"--config: '{configFile}' is not valid JSON: {e.Message}"]);
            }
        }

        var environment = new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build();
        var unknown = new List<string>();
        if (file is not null)
        {
            unknown.AddRange(UnknownKeys.FindUnknown(file).Select(u =>
                $"{u.Key} (in --config '{configFile}'): not a setting; the nearest known key is {u.Nearest}."));
        }

        unknown.AddRange(UnknownKeys.FindUnknown(environment).Select(u =>
            $"{EnvironmentName(u.Key, upper: false)} (environment): not a setting; the nearest known key is {EnvironmentName(u.Nearest, upper: true)}."));
        if (unknown.Count > 0)
        {
            throw new SettingsException(unknown);
        }

        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            builder.AddConfiguration(file);
        }

        var configuration = builder.AddConfiguration(environment).AddInMemoryCollection(overrides).Build();
        var durations = SettingsDurations.Rewrite(configuration);
        if (durations.Count > 0)
        {
            configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(durations).Build();
        }

        var settings = new OciCacheSettings();
        try
        {
            // UnknownKeys has already named any unknown key; this stays as the binder's own guard.
            configuration.Bind(settings, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new SettingsException([e.Message]);
        }

        OciCacheServices.Check(settings); // the checks ValidateOnStart runs when the server starts
        return settings;
    }

    /// <summary>A key as a variable: <c>Storage:MaxCacheBytes</c> is <c>OCICACHE_STORAGE__MAXCACHEBYTES</c>.</summary>
    private static string EnvironmentName(string key, bool upper) =>
        EnvironmentPrefix + (upper ? key.ToUpperInvariant() : key).Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>Settings that cannot start a server; each message names the key or flag.</summary>
internal sealed class SettingsException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
