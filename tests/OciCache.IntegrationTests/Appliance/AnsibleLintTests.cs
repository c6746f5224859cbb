using System.Text.RegularExpressions;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>ansible/ passes ansible-lint (Debian's package) at its strictest profile.</summary>
public sealed partial class AnsibleLintTests
{
    [Fact]
    public async Task Ansible_PassesAnsibleLint_ProductionProfile()
    {
        Tools.Require("ansible-lint");

        // ansible-lint finds the playbook and roles from its working folder.
        var result = await ProcessRunner.RunAsync("bash", ["-c", "cd \"$1\" && exec ansible-lint --nocolor --profile production", "lint", ApplianceBuild.Path("ansible")],
            TimeSpan.FromMinutes(3));

        var summary = SummaryPattern().Match(result.Stdout + result.Stderr);
        Assert.True(result.ExitCode == 0 && summary.Success, result.ToString());
        Assert.True(int.Parse(summary.Groups[1].Value) >= 15, $"ansible-lint looked at too few files:\n{result}");
    }

    [GeneratedRegex(@"Passed with production profile: 0 failure\(s\), 0 warning\(s\) on (\d+) files")]
    private static partial Regex SummaryPattern();
}
