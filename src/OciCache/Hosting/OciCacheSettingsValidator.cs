using Microsoft.Extensions.Options;
using Serilog.Events;

namespace OciCache.Hosting;

/// <summary>
/// Checks the host's own keys at start: <c>Listen</c>, <c>Data</c> and <c>Log</c>. Each failure names the
/// key and the flag that sets it; the core's sections are checked by the validators beside their records.
/// </summary>
internal sealed class OciCacheSettingsValidator : IValidateOptions<OciCacheSettings>
{
    public ValidateOptionsResult Validate(string? name, OciCacheSettings settings)
    {
        var errors = new List<string>();
        if (!ListenAddress.TryParse(settings.Listen, out _))
        {
            errors.Add($"Listen (--listen): '{settings.Listen}' is not HOST:PORT with a port from 0 to 65535.");
        }

        if (string.IsNullOrWhiteSpace(settings.Data))
        {
            errors.Add("Data (--data): the data folder must not be empty.");
        }

        if (settings.Log.Format is not ("text" or "json"))
        {
            errors.Add($"Log:Format (--log-format): '{settings.Log.Format}' is neither 'text' nor 'json'.");
        }

        if (!Enum.TryParse<LogEventLevel>(settings.Log.Level, ignoreCase: true, out _))
        {
            errors.Add($"Log:Level (--log-level): '{settings.Log.Level}' is not one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
