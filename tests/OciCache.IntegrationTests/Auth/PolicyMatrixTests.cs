using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;
using OciCache.IntegrationTests.PullThrough;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// Every action (pull, push, delete) for every kind of caller (anonymous, reader, pusher, admin, a robot with
/// a narrower scope) on a local and a mirror repository: the status each gets, and one audit event per write
/// and per refusal.
/// </summary>
public sealed class PolicyMatrixTests : IAsyncLifetime
{
    private const string Local = "matrix/app";
    private const string Mirror = "hub/library/app";

    private readonly AuthSetup _auth = new(("bob", "bob-pw"), ("paula", "paula-pw"), ("olga", "olga-pw"));
    private readonly TestImage _image = TestImage.Create(layers: 1, seed: 601);
    private DistributionRegistry _upstream = null!;
    private RegistryServer _server = null!;
    private string _robotSecret = "";

    public async Task InitializeAsync()
    {
        _upstream = await DistributionRegistry.StartAsync();
        await _upstream.Client.PushImageAsync("library/app", "v1", _image);
        _server = await CacheServer.StartAsync("hub", _upstream.BaseUri.ToString(), _auth.Configure(a =>
        {
            a.Groups = new() { ["readers"] = ["bob"], ["admins"] = ["olga"] };
            a.AdminGroup = "admins";
            a.Anonymous = new() { ["hub/**"] = ["pull"] };
            a.Policies =
            [
                new PolicyRule { Repositories = ["matrix/**"], Users = ["paula"], Actions = ["pull", "push"] },
                new PolicyRule { Repositories = ["matrix/**"], Groups = ["readers"], Actions = ["pull"] },
            ];
        }));
        var robots = _server.Services.GetRequiredService<IRobotAccounts>();
        (_, _robotSecret) = await robots.AddAsync("narrow", [new RobotScope(Local, ["pull"])], null, default);

        using var admin = AuthSetup.BasicClient(_server, "olga", "olga-pw");
        await admin.PushImageAsync(Local, "v1", _image);
        foreach (var who in Callers)
        {
            await admin.PushManifestAsync(Local, $"del-{who}", _image.Manifest);
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _upstream.DisposeAsync();
        _auth.Dispose();
    }

    private static readonly string[] Callers = ["anonymous", "reader", "pusher", "admin", "robot"];

    [Fact]
    public async Task EveryActionForEveryCaller_ExpectedStatus_AndOneAuditEventPerWriteAndRefusal()
    {
        var expected = new Dictionary<string, int[]>
        {
            //                 local: pull push delete   mirror: pull push delete
            ["anonymous"] = [401, 401, 401, 200, 401, 401],
            ["reader"] = [200, 403, 403, 200, 403, 403],
            ["pusher"] = [200, 201, 403, 200, 403, 403],
            ["admin"] = [200, 201, 202, 200, 403, 403],
            ["robot"] = [200, 403, 403, 200, 403, 403],
        };
        var before = (await AuditFile.ReadAsync(_server)).Count;

        var actual = new Dictionary<string, int[]>();
        foreach (var who in Callers)
        {
            using var client = ClientOf(who);
            var statuses = new List<int>();
            foreach (var repository in new[] { Local, Mirror })
            {
                statuses.Add(await StatusAsync(client.GetAsync($"/v2/{repository}/manifests/v1")));
                statuses.Add(await StatusAsync(client.PutManifestAsync(repository, $"pushed-{who}", _image.Manifest)));
                statuses.Add(await StatusAsync(client.DeleteAsync($"/v2/{repository}/manifests/del-{who}")));
            }

            actual[who] = [.. statuses];
        }

        Assert.Equal(Render(expected), Render(actual));
        var events = (await AuditFile.ReadAsync(_server)).Skip(before).ToList();
        var refusals = expected.Sum(e => e.Value.Count(s => s is 401 or 403));
        Assert.Equal(refusals, events.Count(e => e.Action == "policy.deny"));
        Assert.Equal(expected.Sum(e => e.Value.Count(s => s is 401)), events.Count(e => e is { Action: "policy.deny", Result: "unauthorized" }));
        Assert.Equal(["paula", "olga"], events.Where(e => e.Action == "manifest.push").Select(e => e.Who));
        Assert.Equal(["olga"], events.Where(e => e.Action == "manifest.delete").Select(e => e.Who));
        Assert.Equal(refusals + 3, events.Count);
        Assert.All(events, e => Assert.Equal("127.0.0.1", e.Source));
    }

    private HttpClient ClientOf(string who)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseUri };
        client.DefaultRequestHeaders.Authorization = who switch
        {
            "reader" => AuthSetup.Basic("bob", "bob-pw"),
            "pusher" => AuthSetup.Basic("paula", "paula-pw"),
            "admin" => AuthSetup.Basic("olga", "olga-pw"),
            "robot" => AuthSetup.Basic("robot$narrow", _robotSecret),
            _ => null,
        };
        return client;
    }

    private static async Task<int> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return (int)response.StatusCode;
    }

    private static string Render(Dictionary<string, int[]> matrix) =>
        string.Join('\n', matrix.Select(m => $"{m.Key,-10} local {m.Value[0]} {m.Value[1]} {m.Value[2]}  mirror {m.Value[3]} {m.Value[4]} {m.Value[5]}"));
}
