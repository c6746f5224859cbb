using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// The tests that share one PostgreSQL and one Ceph RGW for the whole run (<see cref="ScaleOutBackends"/>):
/// started once, before the first of them, and stopped after the last. They run one at a time, so a test
/// that stops RGW or PostgreSQL on purpose does not disturb another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutBackends>
{
    public const string Name = "scale-out backends";
}
