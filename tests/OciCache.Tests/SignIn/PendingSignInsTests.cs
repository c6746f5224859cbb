using Microsoft.Extensions.Time.Testing;
using OciCache.SignIn;

namespace OciCache.Tests.SignIn;

public sealed class PendingSignInsTests
{
    private const string Source = "192.0.2.1";

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Take_KnownState_ReturnsItOnce()
    {
        var store = new PendingSignIns(_time);
        var pending = await store.StartAsync("/ui/storage", Source);

        Assert.Equal(pending, await store.TakeAsync(pending.State));
        Assert.Null(await store.TakeAsync(pending.State));
    }

    [Fact]
    public async Task Start_TwoSignIns_DifferentStateNonceAndVerifier()
    {
        var store = new PendingSignIns(_time);
        var (a, b) = (await store.StartAsync("/", Source), await store.StartAsync("/", Source));

        Assert.NotEqual(a.State, b.State);
        Assert.NotEqual(a.Nonce, b.Nonce);
        Assert.NotEqual(a.CodeVerifier, b.CodeVerifier);
        Assert.NotEqual(a.State, a.Nonce);
    }

    [Fact]
    public async Task Take_UnknownState_Null()
    {
        Assert.Null(await new PendingSignIns(_time).TakeAsync("made-up"));
    }

    [Fact]
    public async Task Take_AfterTenMinutes_Null()
    {
        var store = new PendingSignIns(_time);
        var pending = await store.StartAsync("/", Source);
        _time.Advance(PendingSignIns.Lifetime);

        Assert.Null(await store.TakeAsync(pending.State));
    }

    [Fact]
    public async Task Take_JustBeforeTenMinutes_Found()
    {
        var store = new PendingSignIns(_time);
        var pending = await store.StartAsync("/", Source);
        _time.Advance(PendingSignIns.Lifetime - TimeSpan.FromSeconds(1));

        Assert.NotNull(await store.TakeAsync(pending.State));
    }

    [Fact]
    public async Task Start_FloodFromOneAddress_EvictsOnlyThatAddresssOwnSignIns()
    {
        var store = new PendingSignIns(_time);
        var legitimate = await store.StartAsync("/ui/storage", "192.0.2.7");
        _time.Advance(TimeSpan.FromSeconds(1));

        var flood = await StartManyAsync(store, 12_000, "198.51.100.66");

        Assert.Equal(legitimate, await store.TakeAsync(legitimate.State));
        // The flood's newest sign-ins are kept, its oldest went first.
        Assert.All(await TakeAllAsync(store, flood[^PendingSignIns.MaxPerSource..]), Assert.NotNull);
        Assert.All(await TakeAllAsync(store, flood[..^PendingSignIns.MaxPerSource]), Assert.Null);
    }

    [Fact]
    public async Task Start_PastTheAddressBound_OldestOfThatAddressGoesFirst()
    {
        var store = new PendingSignIns(_time);
        var first = await store.StartAsync("/", Source);
        var rest = await StartManyAsync(store, PendingSignIns.MaxPerSource, Source);

        Assert.Null(await store.TakeAsync(first.State));
        Assert.All(await TakeAllAsync(store, rest), Assert.NotNull);
    }

    [Fact]
    public async Task Start_ManyAddressesFillTheStore_TheBiggestHolderLosesNotTheLoneSignIn()
    {
        var store = new PendingSignIns(_time);
        var legitimate = await store.StartAsync("/", "192.0.2.7");
        _time.Advance(TimeSpan.FromSeconds(1));
        var addresses = PendingSignIns.MaxPending / PendingSignIns.MaxPerSource + 5;

        for (var i = 0; i < addresses; i++)
        {
            for (var j = 0; j < PendingSignIns.MaxPerSource; j++)
            {
                await store.StartAsync("/", $"10.0.{i / 256}.{i % 256}");
            }
        }

        Assert.Equal(legitimate, await store.TakeAsync(legitimate.State));
    }

    private static async Task<List<PendingSignIn>> StartManyAsync(PendingSignIns store, int count, string source)
    {
        var started = new List<PendingSignIn>();
        for (var i = 0; i < count; i++)
        {
            started.Add(await store.StartAsync("/", source));
        }

        return started;
    }

    private static async Task<List<PendingSignIn?>> TakeAllAsync(PendingSignIns store, IEnumerable<PendingSignIn> started)
    {
        var taken = new List<PendingSignIn?>();
        foreach (var pending in started)
        {
            taken.Add(await store.TakeAsync(pending.State));
        }

        return taken;
    }
}
