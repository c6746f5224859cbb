namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The repository's appliance files and the executables <c>appliance/publish.sh</c> wrote to
/// <c>artifacts/&lt;rid&gt;/ocicache</c> (./test.sh publishes both before the tests run).
/// </summary>
internal static class ApplianceBuild
{
    /// <summary>The repository root: the nearest folder above the test binaries that holds OciCache.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([RepositoryRoot, .. parts]);

    /// <summary>The published executable for <paramref name="rid"/>; fails the test when it was not published.</summary>
    public static string Executable(string rid)
    {
        var path = Path("artifacts", rid, "ocicache");
        return File.Exists(path)
            ? path
            : throw new Xunit.Sdk.XunitException($"{path} is missing: run appliance/publish.sh {rid} (./test.sh does) before these tests.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OciCache.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no OciCache.sln above {AppContext.BaseDirectory}");
    }
}
