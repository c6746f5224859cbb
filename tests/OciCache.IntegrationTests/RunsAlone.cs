namespace OciCache.IntegrationTests;

/// <summary>
/// Tests that load both cores on purpose (request floods, a 21 MB htpasswd) and the browser test, whose
/// page waits would starve beside them: xUnit runs this collection after the parallel ones, one test at a
/// time, so no test here shares the machine with another.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
