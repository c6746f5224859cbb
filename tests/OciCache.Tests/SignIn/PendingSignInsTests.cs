using Microsoft.Extensions.Time.Testing;
using OciCache.SignIn;

namespace OciCache.Tests.SignIn;

public sealed class PendingSignInsTests
{
    private const string Source = "192.0.2.1";

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Take_KnownState_ReturnsItOnce()
    {
        var store = new PendingSignIns(_time);
        var pending = store.Start("/ui/storage", Source);

        Assert.Equal(pending, store.Take(pending.State));
        Assert.Null(store.Take(pending.State));
    }

    [Fact]
    public void Start_TwoSignIns_DifferentStateNonceAndVerifier()
    {
        var store = new PendingSignIns(_time);
        var (a, b) = (store.Start("/", Source), store.Start("/", Source));

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
        var pending = store.Start("/", Source);
        _time.Advance(PendingSignIns.Lifetime);

        Assert.Null(store.Take(pending.State));
    }

    [Fact]
    public void Take_JustBeforeTenMinutes_Found()
    {
        var store = new PendingSignIns(_time);
        var pending = store.Start("/", Source);
        _time.Advance(PendingSignIns.Lifetime - TimeSpan.FromSeconds(1));

        Assert.NotNull(store.Take(pending.State));
    }

    [Fact]
    public void Start_FloodFromOneAddress_EvictsOnlyThatAddresssOwnSignIns()
    {
        var store = new PendingSignIns(_time);
        var legitimate = store.Start("/ui/storage", "192.0.2.7");
        _time.Advance(TimeSpan.FromSeconds(1));

        var flood = Enumerable.Range(0, 12_000).Select(_ => store.Start("/", "198.51.100.66")).ToList();

        Assert.Equal(legitimate, store.Take(legitimate.State));
        // The flood's newest sign-ins are kept, its oldest went first.
        Assert.All(flood[^PendingSignIns.MaxPerSource..], p => Assert.NotNull(store.Take(p.State)));
        Assert.All(flood[..^PendingSignIns.MaxPerSource], p => Assert.Null(store.Take(p.State)));
    }

    [Fact]
    public void Start_PastTheAddressBound_OldestOfThatAddressGoesFirst()
    {
        var store = new PendingSignIns(_time);
        var first = store.Start("/", Source);
        var rest = Enumerable.Range(0, PendingSignIns.MaxPerSource).Select(_ => store.Start("/", Source)).ToList();

        Assert.Null(store.Take(first.State));
        Assert.All(rest, p => Assert.NotNull(store.Take(p.State)));
    }

    [Fact]
    public void Start_ManyAddressesFillTheStore_TheBiggestHolderLosesNotTheLoneSignIn()
    {
        var store = new PendingSignIns(_time);
        var legitimate = store.Start("/", "192.0.2.7");
        _time.Advance(TimeSpan.FromSeconds(1));
        var addresses = PendingSignIns.MaxPending / PendingSignIns.MaxPerSource + 5;

        for (var i = 0; i < addresses; i++)
        {
            for (var j = 0; j < PendingSignIns.MaxPerSource; j++)
            {
                store.Start("/", $"10.0.{i / 256}.{i % 256}");
            }
        }

        Assert.Equal(legitimate, store.Take(legitimate.State));
    }
}
