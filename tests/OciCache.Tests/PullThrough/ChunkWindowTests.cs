using OciCache.PullThrough;

namespace OciCache.Tests.PullThrough;

public sealed class ChunkWindowTests
{
    [Fact]
    public void TryRent_EverySlabHoldsAChunk_RefusesUntilOneIsDropped()
    {
        using var window = new ChunkWindow(BlobFill.SlabSize, 2);
        Assert.True(window.TryRent(0, out var a));
        window.Append(a, 10);
        Assert.True(window.TryRent(0, out var b));
        window.Append(b, 20);
        Assert.False(window.TryRent(0, out _));

        Assert.False(window.TryRent(9, out _)); // the first chunk ends at 10: not yet
        Assert.True(window.TryRent(10, out var again));
        Assert.Same(a, again);
        Assert.Equal(10, window.Start);
        Assert.Equal(30, window.End);
    }

    [Fact]
    public void Slice_ReturnsTheRestOfTheChunkHoldingTheOffset_AndNothingOutsideTheWindow()
    {
        using var window = new ChunkWindow(BlobFill.SlabSize, 3);
        for (byte i = 0; i < 3; i++)
        {
            Assert.True(window.TryRent(0, out var slab));
            slab.AsSpan(0, 100).Fill(i);
            window.Append(slab, 100);
        }

        Assert.True(window.TryRent(100, out var dropped)); // the first chunk's slab, taken for the next one
        window.Return(dropped);
        Assert.True(window.Slice(50).IsEmpty); // dropped
        var middle = window.Slice(150);
        Assert.Equal(50, middle.Length);
        Assert.All(middle.ToArray(), b => Assert.Equal(1, b));
        Assert.Equal(100, window.Slice(200).Length);
        Assert.True(window.Slice(300).IsEmpty); // not arrived
    }

    [Fact]
    public void TryRent_OldestChunkDroppable_ReusesItsSlabAndKeepsTheNewerChunks()
    {
        using var window = new ChunkWindow(BlobFill.SlabSize, 3);
        var slabs = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(window.TryRent(0, out var slab)); // nothing hashed yet: the window grows
            window.Append(slab, 100);
            slabs.Add(slab);
        }

        Assert.False(window.TryRent(99, out _)); // the oldest ends at 100
        Assert.True(window.TryRent(300, out var reused)); // all three droppable, but one slab is all that is needed
        Assert.Same(slabs[0], reused);
        Assert.Equal(2, window.Count);
        Assert.Equal(100, window.Start);
        Assert.False(window.Slice(150).IsEmpty); // the newer chunks stay readable
    }

    [Fact]
    public void Return_AnUnusedSlab_IsRentedAgainWithoutGrowing()
    {
        using var window = new ChunkWindow(BlobFill.SlabSize, 1);
        Assert.True(window.TryRent(0, out var slab));
        window.Return(slab);
        Assert.True(window.TryRent(0, out var again));
        Assert.Same(slab, again);
        Assert.Equal(0, window.Count);
    }
}
