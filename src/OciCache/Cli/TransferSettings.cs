using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>Settings for export and import: the server's (upstreams route the image names), with <c>--data</c> on top.</summary>
internal static class TransferSettings
{
    public static OciCacheSettings? Load(string? configFile, string? data)
    {
        var overrides = new Dictionary<string, string?>();
        if (data is not null)
        {
            overrides["Data"] = data;
        }

        return CommandLine.LoadSettings(configFile, overrides);
    }
}
