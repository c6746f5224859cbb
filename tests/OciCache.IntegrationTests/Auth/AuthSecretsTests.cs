using System.Net;
using System.Text.Json;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// The real executable (built like the appliance, settings from a JSON file, a robot added with
/// <c>ocicache robot add</c>): no password, robot secret or token in its log, its audit log or an error
/// body; and without an <c>Auth</c> section the start log says plainly that writes are open.
/// </summary>
public sealed class AuthSecretsTests : IDisposable
{
    private const string Password = "Pa55-never-logged-4711";
    private readonly TempDirectory _temp = new("authsecrets");

    [Fact]
    public async Task PasswordsSecretsAndTokens_NeverInLogAuditOrBodies()
    {
        using var auth = new AuthSetup(("alice", Password));
        var data = _temp.Combine("data");
        var config = _temp.Combine("config.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Auth"] = new Dictionary<string, object>
            {
                ["Htpasswd"] = auth.HtpasswdPath,
                ["Anonymous"] = new Dictionary<string, string[]> { ["**"] = ["none"] },
                ["Policies"] = new[] { new Dictionary<string, string[]> { ["Repositories"] = ["site/**"], ["Users"] = ["alice"], ["Actions"] = ["pull"] } },
            },
        }));
        var added = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["robot", "add", "ci", "--scope", "repository:site/**:pull", "--data", data]);
        Assert.True(added.ExitCode == 0, added.ToString());
        var secret = added.Stdout.Trim();
        await using var server = await OciCacheProcess.StartAsync(data, ["--config", config]);
        using var client = new HttpClient { BaseAddress = server.BaseUri };

        var bodies = new List<string>();
        async Task<HttpResponseMessage> Send(string method, string path, string? authorization)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            var response = await client.SendAsync(request);
            bodies.Add(await response.Content.ReadAsStringAsync());
            return response;
        }

        string Basic(string user, string password) => AuthSetup.Basic(user, password).ToString();
        using var ping = await Send("GET", "/v2/", null);
        using var wrongUser = await Send("GET", "/v2/site/app/tags/list", Basic("alice", Password + "x"));
        using var wrongRobot = await Send("GET", "/token?scope=repository:site/app:pull", Basic("robot$ci", secret + "x"));
        using var tokenResponse = await Send("GET", "/token?service=ocicache&scope=repository:site/app:pull,push", Basic("robot$ci", secret));
        var token = JsonDocument.Parse(bodies[^1]).RootElement.GetProperty("token").GetString()!;
        using var denied = await Send("DELETE", "/v2/site/app/manifests/latest", $"Bearer {token}");
        using var userDenied = await Send("PUT", "/v2/site/app/manifests/latest", Basic("alice", Password));
        await server.WaitForOutputAsync("DELETE /v2/site/app/manifests/latest 403");

        Assert.Equal(HttpStatusCode.Unauthorized, ping.StatusCode); // nothing is open to anonymous callers
        Assert.Equal(HttpStatusCode.Unauthorized, wrongUser.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongRobot.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, userDenied.StatusCode);
        // Audit lines are written by the log's own task: wait for the two failed sign-ins and the two refusals.
        var auditPath = Path.Combine(data, "audit.log");
        string Audit() => File.Exists(auditPath) ? File.ReadAllText(auditPath) : "";
        int Count(string text, string part) => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));
        await Eventually.TrueAsync(() => Count(Audit(), "\"action\":\"signin\"") == 2 && Count(Audit(), "\"action\":\"policy.deny\"") == 2,
            "two signin and two policy.deny events in audit.log");
        var audit = Audit();
        Assert.Contains("\"who\":\"robot$ci\"", audit);
        var errorBodies = bodies.Where((_, i) => i != 3); // all but the token response, which carries the token on purpose
        var everything = string.Join('\n', [server.Output, audit, .. errorBodies]);
        foreach (var secretText in new[] { Password, secret, token, token.Split('.')[2] })
        {
            Assert.DoesNotContain(secretText, everything);
        }
    }

    [Fact]
    public async Task NoAuthSection_StartLogSaysWritesAreOpen()
    {
        await using var server = await OciCacheProcess.StartAsync(_temp.Combine("open"));

        var line = await server.WaitForOutputAsync("Access control is off");
        Assert.Contains("pushes and deletes are open to anyone who can reach", line);
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        using var token = await client.GetAsync("/token");
        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
    }

    public void Dispose() => _temp.Dispose();
}
