namespace OciCache.Testing.Backends;

/// <summary>
/// Finds the binaries of the scale-out backends (PostgreSQL, Ceph, HAProxy). A missing one fails the test
/// with the tool's name and the Debian package that holds it; nothing is ever skipped.
/// </summary>
public static class BackendTool
{
    /// <summary>The folder of Debian's PostgreSQL server binaries (not on PATH); the newest major version wins.</summary>
    public static string PostgresBin(string tool)
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => int.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))
            : Enumerable.Empty<string>();
        foreach (var version in versions)
        {
            var candidate = Path.Combine(version, "bin", tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw Missing(tool, "postgresql");
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH (or in /usr/sbin, /sbin).</summary>
    public static string Require(string tool, string package)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
        return path ?? throw Missing(tool, package);
    }

    private static Xunit.Sdk.XunitException Missing(string tool, string package) =>
        new($"Required tool '{tool}' is not installed (Debian package '{package}'). ./test.sh installs it: " +
            "apt-get install -y --no-install-recommends postgresql ceph-mon ceph-osd radosgw ceph-common haproxy");
}
