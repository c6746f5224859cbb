namespace OciCache.Testing;

/// <summary>
/// Locates the external programs the tests drive. A missing tool fails the test with a message saying
/// how to get it; it never skips.
/// </summary>
public static class Tools
{
    public static string Require(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : throw Missing(name);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw Missing(name);
    }

    private static Xunit.Sdk.XunitException Missing(string name) =>
        new($"Required tool '{name}' is not installed. ./test.sh installs it (apt-get install -y skopeo podman containerd docker-registry).");
}
