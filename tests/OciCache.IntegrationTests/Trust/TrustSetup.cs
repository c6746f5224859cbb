using System.Text.RegularExpressions;
using OciCache.Hosting;
using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// A rule's keys for a test: the CI key in the rule's key directory (the private half beside it, as
/// <c>ci.key</c>, which a rule never reads), and a stranger's key elsewhere, which the rule does not know.
/// </summary>
internal sealed partial class TrustSetup : IDisposable
{
    private readonly TempDirectory _temp = new("trust");

    private TrustSetup()
    {
        KeyDirectory = _temp.Combine("keys");
    }

    public string KeyDirectory { get; }

    public CosignKey Ci { get; private set; } = null!;

    public CosignKey Stranger { get; private set; } = null!;

    public static async Task<TrustSetup> CreateAsync()
    {
        var setup = new TrustSetup();
        setup.Ci = await CosignKey.CreateAsync(setup.KeyDirectory, "ci");
        setup.Stranger = await CosignKey.CreateAsync(setup._temp.Combine("elsewhere"), "stranger");
        return setup;
    }

    /// <summary>A new key made in a directory the rule does not read yet (a rotation moves it in).</summary>
    public Task<CosignKey> NewKeyAsync(string name) => CosignKey.CreateAsync(_temp.Combine("new-" + name), name);

    /// <summary>One rule named <paramref name="name"/> over <paramref name="pattern"/> with the key directory.</summary>
    public Action<OciCacheSettings> Rule(string pattern, TrustMode mode = TrustMode.Enforce, string name = "signed") => settings =>
        settings.Trust = new TrustOptions { Policies = [new TrustRule { Name = name, Repositories = [pattern], Keys = [KeyDirectory], Mode = mode }] };

    /// <summary>Signs <paramref name="image"/> of <paramref name="repository"/> the way <c>cosign sign</c> does by default: the .sig tag.</summary>
    public static async Task SignAsync(HttpClient client, string repository, Digest image, CosignKey key, Digest? named = null)
    {
        var signature = await Cosign.SignatureAsync(key, $"{client.BaseAddress!.Authority}/{repository}", named ?? image);
        await client.PushAsync(repository, Cosign.SignatureTag(image), signature);
    }

    /// <summary>A counter's value on <c>/metrics</c> (0 when the series is not there yet).</summary>
    public static async Task<long> MetricAsync(HttpClient client, string series)
    {
        var text = await client.GetStringAsync("/metrics");
        var match = Regex.Match(text, "^" + Regex.Escape(series) + @" (\d+)", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The message of an OCI error body (what clients print).</summary>
    public static async Task<string> ErrorMessageAsync(HttpResponseMessage response)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString()!;
    }

    public void Dispose() => _temp.Dispose();
}
