using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IPullCounts"/> keeps; one subclass per implementation.</summary>
public abstract class PullCountsContract : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);
    private static readonly Digest A = Digest.ComputeSha256([1]);
    private static readonly Digest B = Digest.ComputeSha256([2]);

    protected PullCountsContract()
    {
        Counts = Create(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("pull-counts");

    protected IPullCounts Counts { get; private set; }

    /// <summary>A store over the storage in <paramref name="folder"/>; called again for the same folder by <see cref="Reopen"/>.</summary>
    protected abstract IPullCounts Create(string folder);

    /// <summary>A new instance over the same storage, as after a restart.</summary>
    protected void Reopen() => Counts = Create(Temp.Path);

    public virtual void Dispose() => Temp.Dispose();

    [Fact]
    public async Task Add_Again_SumsTheCountsAndKeepsTheLaterTime()
    {
        await Counts.AddAsync([new PullCount("site/app", A, 2, At)], default);
        await Counts.AddAsync([new PullCount("site/app", A, 3, At.AddMinutes(5))], default);
        await Counts.AddAsync([new PullCount("site/app", A, 1, At.AddMinutes(1))], default); // counted late: the time stays
        Reopen();

        Assert.Equal(new PullCount("site/app", A, 6, At.AddMinutes(5)), await Counts.FindAsync("site/app", A, default));
    }

    [Fact]
    public async Task Add_ABatch_OneRowPerRepositoryAndDigest()
    {
        await Counts.AddAsync([new PullCount("site/app", A, 1, At), new PullCount("site/app", B, 2, At), new PullCount("site/web", A, 3, At)], default);

        Assert.Equal(1, (await Counts.FindAsync("site/app", A, default))!.Count);
        Assert.Equal(2, (await Counts.FindAsync("site/app", B, default))!.Count);
        Assert.Equal(3, (await Counts.FindAsync("site/web", A, default))!.Count);
        Assert.Null(await Counts.FindAsync("site/web", B, default));
    }

    [Fact]
    public async Task Add_Nothing_WritesNothing()
    {
        await Counts.AddAsync([], default);

        Assert.Null(await Counts.FindAsync("site/app", A, default));
    }
}
