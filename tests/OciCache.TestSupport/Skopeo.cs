using Xunit;

namespace OciCache.Testing;

/// <summary>
/// Debian's skopeo, with <c>--insecure-policy</c> (no signature policy file on a test machine) and a two-minute
/// bound per run.
/// </summary>
public static class Skopeo
{
    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("skopeo", ["--insecure-policy", .. arguments], TimeSpan.FromMinutes(2));

    /// <summary>Runs skopeo and fails the test, with its output, unless it exits 0; returns its standard output.</summary>
    public static async Task<string> CheckedAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"skopeo {string.Join(' ', arguments)}: {result}");
        return result.Stdout;
    }
}
