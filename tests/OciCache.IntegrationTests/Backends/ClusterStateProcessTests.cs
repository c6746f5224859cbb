using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// Two <c>serve</c> replicas on one fresh PostgreSQL database, each with its own data folder and access control
/// on: a token one issued is accepted by the other, an event audited on one is in the other's audit view, and
/// exactly one of them leads.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ClusterStateProcessTests(ScaleOutBackends backends) : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("cluster-state");
    private readonly AuthSetup _auth = new(("alice", "alice-pw"));
    private OciCacheProcess? _a;
    private OciCacheProcess? _b;

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["OCICACHE_METADATA__BACKEND"] = "postgres",
            ["OCICACHE_METADATA__POSTGRES__CONNECTIONSTRING"] = await backends.Postgres.CreateDatabaseAsync(),
            ["OCICACHE_AUTH__HTPASSWD"] = _auth.HtpasswdPath,
            ["OCICACHE_AUTH__GROUPS__admins__0"] = "alice",
            ["OCICACHE_AUTH__ADMINGROUP"] = "admins",
        };

        // Both at once, as replicas of a set start: both migrate (one waits on the lock) and load the one key.
        var started = await Task.WhenAll(
            OciCacheProcess.StartAsync(_temp.Combine("a"), environment: environment),
            OciCacheProcess.StartAsync(_temp.Combine("b"), environment: environment));
        (_a, _b) = (started[0], started[1]);
    }

    [Fact]
    public async Task TokenFromOneReplica_IsAcceptedByTheOther()
    {
        using var a = Client(_a!);
        using var b = Client(_b!);

        var token = await TokenAsync(a);
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (var accepted = await b.GetAsync("/v2/"))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // B checks the signature for real: the same token with another signature is refused.
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA"));
        using var refused = await b.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task EventAuditedOnOneReplica_IsInTheOthersAuditView()
    {
        using var b = Client(_b!);
        b.DefaultRequestHeaders.Authorization = AuthSetup.Basic("alice", "wrong-password");
        using (var failed = await b.GetAsync("/v2/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var a = Client(_a!);
        a.DefaultRequestHeaders.Authorization = AuthSetup.Basic("alice", "alice-pw");
        await Eventually.TrueAsync(async () =>
        {
            using var audit = JsonDocument.Parse(await a.GetStringAsync("/api/audit?action=signin"));
            return audit.RootElement.GetProperty("events").EnumerateArray()
                .Any(e => e.GetProperty("result").GetString() == "failed" && e.TryGetProperty("who", out var who) && who.GetString() == "alice");
        }, "B's failed sign-in in A's audit view");
    }

    [Fact]
    public async Task TwoReplicas_ExactlyOneLeads()
    {
        using var a = Client(_a!);
        using var b = Client(_b!);

        await Eventually.TrueAsync(async () => await LeaderGaugeAsync(a) + await LeaderGaugeAsync(b) == 1, "one ocicache_cluster_leader of 1");
        var leader = await LeaderGaugeAsync(a) == 1 ? _a! : _b!;
        await leader.WaitForOutputAsync("now leads the cluster");
        Assert.DoesNotContain("now leads the cluster", (leader == _a ? _b! : _a!).Output, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in new[] { _a, _b })
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        _auth.Dispose();
        _temp.Dispose();
    }

    private static HttpClient Client(OciCacheProcess replica) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = replica.BaseUri };

    private static async Task<string> TokenAsync(HttpClient replica)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=ocicache&scope=" + Uri.EscapeDataString("repository:team/app:pull"));
        request.Headers.Authorization = AuthSetup.Basic("alice", "alice-pw");
        using var response = await replica.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<int> LeaderGaugeAsync(HttpClient replica)
    {
        var line = (await replica.GetStringAsync("/metrics")).Split('\n').SingleOrDefault(l => l.StartsWith("ocicache_cluster_leader ", StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line["ocicache_cluster_leader ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
