using Microsoft.Extensions.Configuration;

namespace OciCache.Hosting;

/// <summary>Builds <see cref="OciCacheSettings"/> from file, environment and flags, in rising precedence.</summary>
internal static class SettingsLoader
{
    public const string EnvironmentPrefix = "OCICACHE_";

    /// <param name="configFile">A JSON file, or null; a named file that does not exist is an error.</param>
    /// <param name="overrides">Configuration keys set by command-line flags (<c>Listen</c>, <c>Upstreams:docker.io:Url</c>).</param>
    public static OciCacheSettings Load(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new SettingsException([$"--config: the file '{configFile}' does not exist."]);
            }

            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new SettingsException([$"--config: '{configFile}' is not valid JSON: {e.Message}"]);
        }

        var settings = new OciCacheSettings();
        try
        {
            configuration.Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            throw new SettingsException([e.Message]);
        }

        var errors = SettingsValidator.Check(settings);
        return errors.Count == 0 ? settings : throw new SettingsException(errors);
    }
}

/// <summary>Settings that cannot start a server; each message names the key or flag.</summary>
internal sealed class SettingsException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
