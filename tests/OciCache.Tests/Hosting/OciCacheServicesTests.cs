using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OciCache.Hosting;
using OciCache.PullThrough;

namespace OciCache.Tests.Hosting;

/// <summary>Every section is checked when the host starts (ValidateOnStart), by the checks beside its record.</summary>
public sealed class OciCacheServicesTests : IDisposable
{
    private readonly TempDirectory _data = new("composition");

    [Fact]
    public void Add_BadValue_FailsTheStartupValidationNamingTheKey()
    {
        var settings = new OciCacheSettings { Data = _data.Path };
        settings.Uploads.MaxSessions = 0;
        using var provider = OciCacheServices.Add(new ServiceCollection().AddLogging(), settings).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(["Uploads:MaxSessions: 0 must be more than zero."], error.Failures);
    }

    [Fact]
    public void Add_BadValuesInTwoSections_ReportsEveryOne()
    {
        var settings = new OciCacheSettings { Data = _data.Path, Listen = "nohost" };
        settings.Cache.OrphanedFillTimeout = TimeSpan.Zero;
        settings.UpstreamPolicy.TotalTimeout = TimeSpan.FromSeconds(1);
        using var provider = OciCacheServices.Add(new ServiceCollection().AddLogging(), settings).BuildServiceProvider();

        var error = Assert.Throws<SettingsException>(() => OciCacheServices.Validate(provider));

        Assert.Contains(error.Errors, e => e.StartsWith("Listen (--listen): 'nohost'", StringComparison.Ordinal));
        Assert.Contains("Cache:OrphanedFillTimeout: 00:00:00 must be more than zero (format d.hh:mm:ss).", error.Errors);
        Assert.Contains("UpstreamPolicy:TotalTimeout must be at least UpstreamPolicy:ResponseTimeout.", error.Errors);
    }

    [Fact]
    public void Build_BadValue_StopsTheServerBeforeItStarts()
    {
        var settings = new OciCacheSettings { Listen = "127.0.0.1:0", Data = _data.Path };
        settings.Cache.MaxBlobBytes = 0;

        var error = Assert.Throws<SettingsException>(() => OciCacheApp.Build(settings));

        Assert.Equal(["Cache:MaxBlobBytes: 0 must be more than zero."], error.Errors);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Path)); // nothing was opened
    }

    [Fact]
    public async Task AddOciCacheCore_FromConfiguration_BindsEachSectionAndFailsTheHostStartOnABadValue()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data"] = _data.Path,
            ["Cache:TagRevalidateInterval"] = "00:05:00",
            ["Storage:LowWaterPercent"] = "5",
        }).Build();
        using var host = new HostBuilder().ConfigureServices(services => services.AddOciCacheCore(configuration)).Build();

        Assert.Equal(TimeSpan.FromMinutes(5), host.Services.GetRequiredService<IOptionsMonitor<PullThroughOptions>>().CurrentValue.TagRevalidateInterval);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(["Storage:LowWaterPercent: 5 is not between 10 and 100."], error.Failures);
    }

    public void Dispose() => _data.Dispose();
}
