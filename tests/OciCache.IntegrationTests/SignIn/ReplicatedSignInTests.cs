using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OciCache.Access;
using OciCache.Auth;
using OciCache.IntegrationTests.Backends;
using OciCache.SignIn;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// Console sessions, pending OIDC sign-ins and the sign-in limiter of two replicas (each with its own
/// <see cref="PostgresDatabase"/>) on one real PostgreSQL database, on one fake clock: what one does, the
/// other sees at once.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ReplicatedSignInTests(ScaleOutBackends backends) : IDisposable
{
    private readonly PostgresStoreDatabases _databases = new(backends.Postgres);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000));

    public void Dispose() => _databases.Dispose();

    [Fact]
    public async Task ConsoleSession_CreatedOnA_FoundTouchedAndEndedOnB()
    {
        var (a, b) = (Sessions(), Sessions());
        var person = Identity.User("oidc:alice") with
        {
            Groups = new HashSet<string>(["devs", "admins"], StringComparer.Ordinal), FromIssuer = true,
        };
        var created = await a.CreateAsync(person);

        var found = await b.FindAsync(created.Id);
        Assert.NotNull(found);
        Assert.Equal((created.Id, created.CsrfToken, created.SignedInAt), (found.Id, found.CsrfToken, found.SignedInAt));
        Assert.Equal(("oidc:alice", IdentityKind.User, true, (string?)null), (found.Identity.Name, found.Identity.Kind, found.Identity.FromIssuer, found.Identity.Credential));
        Assert.Equal(["admins", "devs"], found.Identity.Groups.Order(StringComparer.Ordinal));

        // Used on B only: A sees the request and keeps the session past A's own idle timeout.
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.NotNull(await b.FindAsync(created.Id));
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.NotNull(await a.FindAsync(created.Id));

        await b.EndAsync(created.Id);

        Assert.Null(await a.FindAsync(created.Id));
    }

    [Fact]
    public async Task ConsoleSession_IdleOnBoth_EndsOnBoth()
    {
        var (a, b) = (Sessions(), Sessions());
        var created = await a.CreateAsync(Identity.User("alice") with { Credential = "fp" });
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal("fp", (await b.FindAsync(created.Id))!.Identity.Credential);

        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Null(await a.FindAsync(created.Id));
        Assert.Null(await b.FindAsync(created.Id));
    }

    [Fact]
    public async Task ConsoleSession_EndAllOfOnB_EndsThePersonsSessionsOnA()
    {
        var (a, b) = (Sessions(), Sessions());
        var alice = new[] { await a.CreateAsync(Identity.User("alice")), await b.CreateAsync(Identity.User("alice")) };
        var bob = await a.CreateAsync(Identity.User("bob"));

        Assert.Equal(2, await b.EndAllOfAsync("alice"));

        Assert.Null(await a.FindAsync(alice[0].Id));
        Assert.Null(await a.FindAsync(alice[1].Id));
        Assert.NotNull(await a.FindAsync(bob.Id));
    }

    [Fact]
    public async Task ConsoleSession_InTheDatabase_OnlyTheHashOfItsId()
    {
        var database = _databases.Open();
        var session = await new ConsoleSessions(new PostgresConsoleSessionStore(database), _time, TimeSpan.FromMinutes(30), TimeSpan.FromHours(12))
            .CreateAsync(Identity.User("alice"));

        var rows = await database.ReadAllAsync(
            r => (Hash: r.GetFieldValue<byte[]>(0), Text: r.GetString(1)), default,
            "SELECT id_hash, console_sessions::text FROM console_sessions");

        var row = Assert.Single(rows);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(session.Id)), row.Hash);
        Assert.DoesNotContain(session.Id, row.Text);
    }

    [Fact]
    public async Task PendingSignIn_TakenOnA_GoneOnB()
    {
        var (a, b) = (Pending(), Pending());
        var started = await a.StartAsync("/ui/storage", "192.0.2.1");

        Assert.Equal(started, await b.TakeAsync(started.State));

        Assert.Null(await a.TakeAsync(started.State));
        Assert.Null(await b.TakeAsync(started.State));
    }

    [Fact]
    public async Task PendingSignIn_TakenOnBothAtOnce_OneGetsIt()
    {
        var (a, b) = (Pending(), Pending());
        for (var i = 0; i < 10; i++)
        {
            var started = await a.StartAsync("/", "192.0.2.1");

            var taken = await Task.WhenAll(
                Task.Run(async () => await a.TakeAsync(started.State)), Task.Run(async () => await b.TakeAsync(started.State)));

            Assert.Equal(started, Assert.Single(taken, t => t is not null));
        }
    }

    [Fact]
    public async Task PendingSignIn_StartedTenMinutesAgo_ExpiredOnB()
    {
        var (a, b) = (Pending(), Pending());
        var started = await a.StartAsync("/", "192.0.2.1");
        _time.Advance(PendingSignIns.Lifetime);

        Assert.Null(await b.TakeAsync(started.State));
    }

    [Fact]
    public async Task PendingSignIn_FloodThroughBoth_OnlyTheSourcesOwnOldestGo()
    {
        var (a, b) = (Pending(), Pending());
        var legitimate = await a.StartAsync("/ui/storage", "192.0.2.7");
        var flood = new List<PendingSignIn>();
        for (var i = 0; i < PendingSignIns.MaxPerSource + 2; i++)
        {
            flood.Add(await (i % 2 == 0 ? a : b).StartAsync("/", "198.51.100.66"));
        }

        Assert.Equal(legitimate, await b.TakeAsync(legitimate.State));
        Assert.Null(await a.TakeAsync(flood[0].State));
        Assert.Null(await b.TakeAsync(flood[1].State));
        Assert.Equal(flood[2], await a.TakeAsync(flood[2].State));
        Assert.Equal(flood[^1], await b.TakeAsync(flood[^1].State));
    }

    [Fact]
    public async Task SignInLimiter_FailuresOnBoth_CountedByBoth()
    {
        var (a, b) = (Limiter(3), Limiter(3));
        await a.RecordFailureAsync("10.0.0.1");
        _time.Advance(TimeSpan.FromSeconds(10));
        await b.RecordFailureAsync("10.0.0.1");
        Assert.Null(await a.RetryAfterAsync("10.0.0.1"));

        await b.RecordFailureAsync("10.0.0.1");

        Assert.Equal(TimeSpan.FromSeconds(50), await a.RetryAfterAsync("10.0.0.1"));
        Assert.Equal(TimeSpan.FromSeconds(50), await b.RetryAfterAsync("10.0.0.1"));
        Assert.Null(await a.RetryAfterAsync("10.0.0.2"));
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Null(await a.RetryAfterAsync("10.0.0.1"));
    }

    private ConsoleSessions Sessions() =>
        new(new PostgresConsoleSessionStore(_databases.Open()), _time, TimeSpan.FromMinutes(30), TimeSpan.FromHours(12));

    private PendingSignIns Pending() => new(new PostgresPendingSignInStore(_databases.Open()), _time);

    private SignInLimiter Limiter(int limit) => new(new PostgresSignInFailureStore(_databases.Open()), _time, limit);
}
