using System.Net;
using System.Text;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// The real <c>ocicache serve</c> process with an htpasswd file that grows to 21 MB (300,000 users): the
/// requests keep being answered from the users last read, the file is refused with one line, and SIGTERM
/// still stops the server within its shutdown timeout.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class HtpasswdProcessTests
{
    [Fact]
    public async Task HugeHtpasswd_RequestsKeepTheLastGoodUsers_AndSigtermStillStopsTheServer()
    {
        using var temp = new TempDirectory("htpasswd-huge");
        using var auth = new AuthSetup(("alice", "alice-pw"));
        await using var server = await OciCacheProcess.StartAsync(temp.Combine("data"),
            environment: new Dictionary<string, string> { ["OCICACHE_AUTH__HTPASSWD"] = auth.HtpasswdPath });
        using var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = AuthSetup.Basic("alice", "alice-pw");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/")).StatusCode);

        WriteHugeFile(auth.HtpasswdPath, users: 300_000);

        // Until the server has looked at the file again (every 2 s), and after: alice signs in every time.
        var answers = new List<HttpStatusCode>();
        await Eventually.ValueAsync(async () =>
        {
            using var response = await client.GetAsync("/v2/");
            answers.Add(response.StatusCode);
            return response.StatusCode != HttpStatusCode.OK || server.Output.Contains("larger than", StringComparison.Ordinal) ? "" : null;
        }, "the server looked at the grown file");
        using (var after = await client.GetAsync("/v2/"))
        {
            answers.Add(after.StatusCode);
        }

        Assert.True(answers.All(a => a == HttpStatusCode.OK), $"answers {string.Join(", ", answers)}\n{server.Output}");
        Assert.DoesNotContain("OutOfMemory", server.Output);

        // SIGTERM: the process exits within the host's shutdown timeout (30 s), with a margin for a loaded machine.
        await ProcessRunner.RunAsync("kill", ["-TERM", server.Pid.ToString()]);
        await Eventually.TrueAsync(() => server.HasExited, $"ocicache exits after SIGTERM:\n{server.Output}", TimeSpan.FromSeconds(60));
    }

    private static void WriteHugeFile(string path, int users)
    {
        // Lines shaped like bcrypt entries (60 characters, $2y$05$…): the file is refused before any hash is checked.
        var temp = path + ".new";
        using (var writer = new StreamWriter(temp, append: false, Encoding.ASCII, 1 << 16))
        {
            for (var i = 0; i < users; i++)
            {
                writer.Write("user");
                writer.Write(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(":$2y$05$");
                writer.Write(new string((char)('a' + (i % 26)), 53));
                writer.Write('\n');
            }
        }

        File.Move(temp, path, overwrite: true);
        Assert.InRange(new FileInfo(path).Length, 20 << 20, 30 << 20);
    }
}
