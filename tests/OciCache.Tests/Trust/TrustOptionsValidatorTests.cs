using OciCache.Hosting;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

public sealed class TrustOptionsValidatorTests : IDisposable
{
    private readonly TempDirectory _temp = new("trust-settings");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Load_PolicyKeys_BindModeCaseInsensitive_AndDefaults()
    {
        var key = await CosignKey.CreateAsync(_temp.Combine("keys"), "ci");
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Trust:Policies:0:Repositories:0"] = "site/**",
            ["Trust:Policies:0:Keys:0"] = _temp.Combine("keys"),
            ["Trust:Policies:0:Mode"] = "warn",
            ["Trust:Policies:1:Repositories:0"] = "docker.io/**",
            ["Trust:Policies:1:Keys:0"] = key.PublicKeyPath,
            ["Trust:ReloadInterval"] = "30s",
        });

        Assert.Equal(TrustMode.Warn, settings.Trust.Policies[0].Mode);
        Assert.Equal(TrustMode.Enforce, settings.Trust.Policies[1].Mode);
        Assert.Equal("rule-1", settings.Trust.Policies[1].NameOrDefault(1));
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Trust.ReloadInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Trust.UnsignedRecheck);
    }

    [Fact]
    public void Load_MissingKeyFile_FailsNamingTheRuleAndThePath()
    {
        var missing = _temp.Combine("nowhere.pub");
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Trust:Policies:0:Name"] = "signed",
            ["Trust:Policies:0:Repositories:0"] = "site/**",
            ["Trust:Policies:0:Keys:0"] = missing,
        }));

        Assert.Equal($"Trust:Policies:0:Keys: rule \"signed\": {missing} is neither a key file nor a directory.", error.Message);
    }

    [Fact]
    public async Task Validate_BadPatternMissingFilePrivateKeyAndDuplicateName_EachNamedByRuleAndPath()
    {
        var key = await CosignKey.CreateAsync(_temp.Combine("keys"), "ci");
        var missing = _temp.Combine("nowhere.pub");
        var options = new TrustOptions
        {
            Policies =
            [
                new TrustRule { Name = "signed", Repositories = ["site/**"], Keys = [key.PublicKeyPath] },
                new TrustRule { Name = "signed", Repositories = ["bad//pattern"], Keys = [missing] },
                new TrustRule { Name = "private", Repositories = ["x/**"], Keys = [key.PrivateKeyPath] },
            ],
            ReloadInterval = TimeSpan.Zero,
        };

        var failures = new TrustOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f == "Trust:Policies:1:Name: another rule is named 'signed'.");
        Assert.Contains(failures, f => f.StartsWith("Trust:Policies:1:Repositories: rule \"signed\": ", StringComparison.Ordinal));
        Assert.Contains(failures, f => f == $"Trust:Policies:1:Keys: rule \"signed\": {missing} is neither a key file nor a directory.");
        Assert.Contains(failures, f => f.StartsWith($"Trust:Policies:2:Keys: rule \"private\": {key.PrivateKeyPath}: ", StringComparison.Ordinal) && f.Contains("private key"));
        Assert.Contains(failures, f => f.StartsWith("Trust:ReloadInterval: ", StringComparison.Ordinal));
        Assert.Equal(5, failures.Count);
    }

    [Fact]
    public async Task Validate_GoodRule_Passes()
    {
        var key = await CosignKey.CreateAsync(_temp.Combine("keys"), "ci");
        var options = new TrustOptions { Policies = [new TrustRule { Repositories = ["site/**"], Keys = [Path.GetDirectoryName(key.PublicKeyPath)!] }] };

        Assert.True(new TrustOptionsValidator().Validate(null, options).Succeeded);
    }
}
