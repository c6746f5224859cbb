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
    public void Find_NewSession_TheIdentityWithItsOwnCsrfToken()
    {
        var a = _sessions.Create(Identity.User("alice"));
        var b = _sessions.Create(Identity.User("alice"));

        Assert.Equal("alice", _sessions.Find(a.Id)!.Identity.Name);
        Assert.NotEqual(a.Id, b.Id);
        Assert.NotEqual(a.CsrfToken, b.CsrfToken);
        Assert.NotEqual(a.Id, a.CsrfToken);
    }

    [Fact]
    public void Find_IdleForTheTimeout_Null()
    {
        var session = _sessions.Create(Identity.User("alice"));
        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Null(_sessions.Find(session.Id));
    }

    [Fact]
    public void Find_UsedWithinTheIdleTimeout_StaysUntilTheLifetime()
    {
        var session = _sessions.Create(Identity.User("alice"));
        for (var i = 0; i < 24; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(29));
            Assert.NotNull(_sessions.Find(session.Id));
        }

        _time.Advance(TimeSpan.FromMinutes(29)); // 12 h 5 min after sign-in, 29 min after the last request

        Assert.Null(_sessions.Find(session.Id));
    }

    [Fact]
    public void Find_AfterEnd_Null()
    {
        var session = _sessions.Create(Identity.User("alice"));
        _sessions.End(session.Id);

        Assert.Null(_sessions.Find(session.Id));
    }

    [Fact]
    public void Find_UnknownId_Null()
    {
        Assert.Null(_sessions.Find("not-a-session"));
    }

    [Fact]
    public void NeedsCheck_ReadWithinAMinuteOfSignIn_False()
    {
        var session = _sessions.Create(Identity.User("alice"));
        _time.Advance(TimeSpan.FromSeconds(59));

        Assert.False(_sessions.NeedsCheck(session, stateChanging: false));
    }

    [Fact]
    public void NeedsCheck_AMinuteAfterTheLastCheck_True()
    {
        var session = _sessions.Create(Identity.User("alice"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(_sessions.NeedsCheck(session, stateChanging: false));

        _sessions.Checked(session);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.False(_sessions.NeedsCheck(session, stateChanging: false));
    }

    [Fact]
    public void NeedsCheck_StateChangingRequest_True()
    {
        var session = _sessions.Create(Identity.User("alice"));

        Assert.True(_sessions.NeedsCheck(session, stateChanging: true));
    }

    [Fact]
    public void EndAllOf_APerson_EndsTheirSessionsOnly()
    {
        var a = _sessions.Create(Identity.User("alice"));
        var b = _sessions.Create(Identity.User("alice"));
        var c = _sessions.Create(Identity.User("bob"));

        Assert.Equal(2, _sessions.EndAllOf("alice"));

        Assert.Null(_sessions.Find(a.Id));
        Assert.Null(_sessions.Find(b.Id));
        Assert.NotNull(_sessions.Find(c.Id));
    }
}
