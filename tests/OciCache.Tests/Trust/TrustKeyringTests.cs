using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

public sealed class TrustKeyringTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _temp = new("keyring");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private readonly ListLogger _log = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Refresh_OnTheInterval_ReadsANewKeyOfTheDirectory_AndMovesTheVersionOn()
    {
        var keys = _temp.Combine("keys");
        await CosignKey.CreateAsync(keys, "ci");
        using var keyring = Create(keys);
        var version = keyring.Version;
        Assert.Equal(["ci"], Names(keyring));

        _time.Advance(Interval);
        Assert.Equal(version, keyring.Version); // nothing changed: no reload
        var next = await CosignKey.CreateAsync(_temp.Combine("next"), "ci-2");
        File.Copy(next.PublicKeyPath, Path.Combine(keys, "ci-2.pub"));
        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(version, keyring.Version); // not looked at yet
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(keyring.Version > version);
        Assert.Equal(["ci", "ci-2"], Names(keyring));
        Assert.Contains(_log.Lines, l => l.StartsWith("Information trust keys reloaded for rule signed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refresh_UnreadableKeyFile_KeepsThePreviousKeys_WithAWarning()
    {
        var keys = _temp.Combine("keys");
        await CosignKey.CreateAsync(keys, "ci");
        using var keyring = Create(keys);
        var version = keyring.Version;

        File.WriteAllText(Path.Combine(keys, "half.pub"), "-----BEGIN PUBLIC KEY-----\nnot base64");
        _time.Advance(Interval);

        Assert.Equal(version, keyring.Version);
        Assert.Equal(["ci"], Names(keyring));
        Assert.Contains(_log.Lines, l => l.StartsWith("Warning trust keys of rule signed changed but could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RuleFor_TheFirstMatchingRuleCovers()
    {
        var keys = _temp.Combine("keys");
        await CosignKey.CreateAsync(keys, "ci");
        var options = new TrustOptions
        {
            Policies =
            [
                new TrustRule { Name = "exempt", Repositories = ["site/tools/**"], Mode = TrustMode.Off },
                new TrustRule { Name = "signed", Repositories = ["site/**"], Keys = [keys] },
            ],
        };
        using var keyring = new TrustKeyring(options, _time, _log);

        Assert.Equal("exempt", keyring.RuleFor(Repository.Local("site/tools/lint"))?.Name);
        Assert.Equal("signed", keyring.RuleFor(Repository.Local("site/app"))?.Name);
        Assert.Null(keyring.RuleFor(Repository.Local("other/app")));
    }

    private TrustKeyring Create(string keys) => new(
        new TrustOptions { ReloadInterval = Interval, Policies = [new TrustRule { Name = "signed", Repositories = ["site/**"], Keys = [keys] }] },
        _time, _log);

    private static List<string> Names(TrustKeyring keyring) => [.. keyring.Rules[0].Keys.Select(k => k.Name).Order(StringComparer.Ordinal)];

    private sealed class ListLogger : ILogger<TrustKeyring>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel} {formatter(state, exception)}");
    }
}
