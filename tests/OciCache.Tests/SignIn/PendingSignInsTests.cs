using Microsoft.Extensions.Time.Testing;
using OciCache.SignIn;

namespace OciCache.Tests.SignIn;

public sealed class PendingSignInsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Take_KnownState_ReturnsItOnce()
    {
        var store = new PendingSignIns(_time);
        var pending = store.Start("/ui/storage");

        Assert.Equal(pending, store.Take(pending.State));
        Assert.Null(store.Take(pending.State));
    }

    [Fact]
    public void Start_TwoSignIns_DifferentStateNonceAndVerifier()
    {
        var store = new PendingSignIns(_time);
        var (a, b) = (store.Start("/"), store.Start("/"));

        Assert.NotEqual(a.State, b.State);
        Assert.NotEqual(a.Nonce, b.Nonce);
        Assert.NotEqual(a.CodeVerifier, b.CodeVerifier);
        Assert.NotEqual(a.State, a.Nonce);
    }

    [Fact]
    public void Take_UnknownState_Null()
    {
        Assert.Null(new PendingSignIns(_time).Take("made-up"));
    }

    [Fact]
    public void Take_AfterTenMinutes_Null()
    {
        var store = new PendingSignIns(_time);
        var pending = store.Start("/");
        _time.Advance(PendingSignIns.Lifetime);

        Assert.Null(store.Take(pending.State));
    }

    [Fact]
    public void Take_JustBeforeTenMinutes_Found()
    {
        var store = new PendingSignIns(_time);
        var pending = store.Start("/");
        _time.Advance(PendingSignIns.Lifetime - TimeSpan.FromSeconds(1));

        Assert.NotNull(store.Take(pending.State));
    }
}
