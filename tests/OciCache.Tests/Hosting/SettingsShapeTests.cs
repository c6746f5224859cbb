using System.Reflection;
using OciCache.Hosting;
using OciCache.Settings;

namespace OciCache.Tests.Hosting;

/// <summary>The known keys come from the options records: nothing lists them by hand.</summary>
public sealed class SettingsShapeTests
{
    [Fact]
    public void Of_NewProperties_AreKnownKeysWithoutAnyList()
    {
        var paths = SettingsShape.Of<Sample>().Paths().Order(StringComparer.Ordinal);

        Assert.Equal(
            ["Child:Depth", "Every", "Fresh", "Items:*:Depth", "Map:*:Depth", "Names:*", "Nested:*:*", "Optional:Depth", "When"],
            paths);
    }

    [Fact]
    public void Root_KnowsEverySettablePropertyOfEveryOptionsRecord()
    {
        var known = SettingsShape.Root.Paths().Select(p => p.Split(':')[^1]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var sections = new[] { typeof(OciCacheCoreOptions).Assembly, typeof(OciCacheSettings).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(ISettingsSection).IsAssignableFrom(t) && t.IsClass)
            .ToList();

        Assert.Contains(sections, t => t.Name == "PullThroughOptions");
        foreach (var property in sections.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                     .Where(p => p.SetMethod?.IsPublic == true && p.DeclaringType != typeof(object)))
        {
            Assert.True(known.Contains(property.Name) || SettingsShape.Root.Paths().Any(p => p.Contains($"{property.Name}:", StringComparison.OrdinalIgnoreCase)),
                $"{property.DeclaringType!.Name}.{property.Name} is no known key");
        }
    }

    [Fact]
    public void Root_HoldsTheCoreSectionsAndTheHostsOwn()
    {
        var paths = SettingsShape.Root.Paths().ToHashSet(StringComparer.Ordinal);

        Assert.Contains("Cache:TagRevalidateInterval", paths);
        Assert.Contains("Upstreams:*:Deny:*", paths);
        Assert.Contains("Sync:Jobs:*:Tags:Semver", paths);
        Assert.Contains("Auth:Oidc:GroupsClaim", paths);
        Assert.Contains("Auth:Groups:*:*", paths);
        Assert.Contains("Listen", paths);
        Assert.Contains("Tls:Key", paths);
        Assert.DoesNotContain("Tls:Enabled", paths); // computed, no setting
        Assert.DoesNotContain("EffectiveUpstreams", paths);
    }

    private sealed record Sample : ISettingsSection
    {
        public int Fresh { get; set; }

        public TimeSpan When { get; set; }

        public bool Every { get; set; }

        public SampleChild Child { get; set; } = new();

        public SampleChild? Optional { get; set; }

        public List<SampleChild> Items { get; set; } = [];

        public Dictionary<string, SampleChild> Map { get; set; } = [];

        public List<string> Names { get; set; } = [];

        public Dictionary<string, List<string>> Nested { get; set; } = [];

        public int Computed => Fresh * 2;
    }

    private sealed record SampleChild : ISettingsSection
    {
        public int Depth { get; set; }
    }
}
