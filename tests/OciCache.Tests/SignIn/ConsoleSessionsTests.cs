using Microsoft.Extensions.Time.Testing;
using OciCache.Access;
using OciCache.Auth;

namespace OciCache.Tests.SignIn;

public sealed class ConsoleSessionsTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ConsoleSessions _sessions;

    public ConsoleSessionsTests() => _sessions = new ConsoleSessions(_time, TimeSpan.FromMinutes(30), TimeSpan.FromHours(12));

    [Fact]
    public async Task Find_NewSession_TheIdentityWithItsOwnCsrfToken()
    {
        var a = await _sessions.CreateAsync(Identity.User("alice"));
        var b = await _sessions.CreateAsync(Identity.User("alice"));

        Assert.Equal("alice", (await _sessions.FindAsync(a.Id))!.Identity.Name);
        Assert.NotEqual(a.Id, b.Id);
        Assert.NotEqual(a.CsrfToken, b.CsrfToken);
        Assert.NotEqual(a.Id, a.CsrfToken);
    }

    [Fact]
    public async Task Find_IdleForTheTimeout_Null()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));
        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Null(await _sessions.FindAsync(session.Id));
    }

    [Fact]
    public async Task Find_UsedWithinTheIdleTimeout_StaysUntilTheLifetime()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));
        for (var i = 0; i < 24; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(29));
            Assert.NotNull(await _sessions.FindAsync(session.Id));
        }

        _time.Advance(TimeSpan.FromMinutes(29)); // 12 h 5 min after sign-in, 29 min after the last request

        Assert.Null(await _sessions.FindAsync(session.Id));
    }

    [Fact]
    public async Task Find_AfterEnd_Null()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));
        await _sessions.EndAsync(session.Id);

        Assert.Null(await _sessions.FindAsync(session.Id));
    }

    [Fact]
    public async Task Find_UnknownId_Null()
    {
        Assert.Null(await _sessions.FindAsync("not-a-session"));
    }

    [Fact]
    public async Task NeedsCheck_ReadWithinAMinuteOfSignIn_False()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));
        _time.Advance(TimeSpan.FromSeconds(59));

        Assert.False(_sessions.NeedsCheck(session, stateChanging: false));
    }

    [Fact]
    public async Task NeedsCheck_AMinuteAfterTheLastCheck_True()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(_sessions.NeedsCheck(session, stateChanging: false));

        await _sessions.CheckedAsync(session);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.False(_sessions.NeedsCheck(session, stateChanging: false));
    }

    [Fact]
    public async Task NeedsCheck_StateChangingRequest_True()
    {
        var session = await _sessions.CreateAsync(Identity.User("alice"));

        Assert.True(_sessions.NeedsCheck(session, stateChanging: true));
    }

    [Fact]
    public async Task EndAllOf_APerson_EndsTheirSessionsOnly()
    {
        var a = await _sessions.CreateAsync(Identity.User("alice"));
        var b = await _sessions.CreateAsync(Identity.User("alice"));
        var c = await _sessions.CreateAsync(Identity.User("bob"));

        Assert.Equal(2, await _sessions.EndAllOfAsync("alice"));

        Assert.Null(await _sessions.FindAsync(a.Id));
        Assert.Null(await _sessions.FindAsync(b.Id));
        Assert.NotNull(await _sessions.FindAsync(c.Id));
    }
}
