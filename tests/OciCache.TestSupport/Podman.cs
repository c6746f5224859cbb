namespace OciCache.Testing;

/// <summary>
/// Debian's podman, isolated: its own storage (<c>--root</c>, <c>--runroot</c>, vfs), a registries.conf that
/// makes the given registry an insecure (plain HTTP) one through <c>CONTAINERS_REGISTRIES_CONF</c>, and its
/// own credentials file. Nothing of the machine's podman configuration or storage is used.
/// </summary>
public sealed class Podman : IDisposable
{
    private readonly TempDirectory _root = new("podman");
    private readonly Dictionary<string, string> _environment;

    public Podman(string insecureRegistry)
    {
        var registries = _root.Combine("registries.conf");
        File.WriteAllText(registries, $"""
            unqualified-search-registries = []

            [[registry]]
            location = "{insecureRegistry}"
            insecure = true
            """);
        _environment = new Dictionary<string, string>
        {
            ["CONTAINERS_REGISTRIES_CONF"] = registries,
            ["REGISTRY_AUTH_FILE"] = _root.Combine("auth.json"),
            ["XDG_RUNTIME_DIR"] = _root.Combine("xdg"),
            ["TMPDIR"] = _root.Combine("tmp"),
        };
        File.WriteAllText(_environment["REGISTRY_AUTH_FILE"], """{"auths":{}}""");
        Directory.CreateDirectory(_root.Combine("xdg"));
        Directory.CreateDirectory(_root.Combine("tmp"));
    }

    /// <summary>The credentials file podman login writes (to check what it stored).</summary>
    public string AuthFile => _environment["REGISTRY_AUTH_FILE"];

    public Task<ProcessResult> RunAsync(params string[] arguments) => ProcessRunner.RunAsync("podman",
    [
        "--root", _root.Combine("storage"), "--runroot", _root.Combine("run"), "--storage-driver", "vfs",
        "--events-backend", "none", "--cgroup-manager", "cgroupfs", .. arguments,
    ], TimeSpan.FromMinutes(3), _environment);

    /// <summary>Runs podman and fails the test with its output when it fails.</summary>
    public async Task<string> CheckedAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"podman {string.Join(' ', arguments)}: {result}");
        }

        return result.Stdout;
    }

    public void Dispose()
    {
        // vfs layers hold read-only directories
        ProcessRunner.RunAsync("rm", ["-rf", _root.Path]).GetAwaiter().GetResult();
        _root.Dispose();
    }
}
