using OciCache.Hosting;

namespace OciCache.Tests.Hosting;

/// <summary>
/// Which mappings <see cref="StartupPages"/> may drop: only the executable's private mappings that are not
/// writable and that nothing wrote. Dropping any other would lose memory contents (RELRO's relocated pointers,
/// the data, the heap) or touch a file that is not ours.
/// </summary>
public sealed class StartupPagesTests
{
    private const string Exe = "/usr/local/bin/ocicache";

    private static string Mapping(string range, string perms, string path, int rss, int anonymous = 0, int privateDirty = 0) =>
        $"""
        {range} {perms} 00000000 fe:00 5316734                    {path}
        Size:              11572 kB
        KernelPageSize:        4 kB
        MMUPageSize:           4 kB
        Rss:                {rss} kB
        Pss:                {rss} kB
        Pss_Dirty:             0 kB
        Shared_Clean:          0 kB
        Shared_Dirty:          0 kB
        Private_Clean:      {rss} kB
        Private_Dirty:      {privateDirty} kB
        Referenced:         {rss} kB
        Anonymous:          {anonymous} kB
        KSM:                   0 kB
        LazyFree:              0 kB
        AnonHugePages:         0 kB
        Swap:                  0 kB
        Locked:                0 kB
        THPeligible:           0
        VmFlags: rd mr mw me sd
        """;

    [Fact]
    public void Releasable_TakesTheExecutablesCleanReadOnlyMappings()
    {
        var smaps = string.Join('\n',
            Mapping("55b5c37a8000-55b5c42f5000", "r--p", Exe, 9516),
            Mapping("55b5c476d000-55b5c5841000", "r-xp", Exe, 12240),
            Mapping("55b5c5841000-55b5c5846000", "r--p", Exe, 20, anonymous: 20, privateDirty: 20), // RELRO
            Mapping("55b5c5846000-55b5c58d3000", "rw-p", Exe, 564, anonymous: 212),
            Mapping("55b5c58d3000-55b5c61d3000", "rw-p", "", 9800, anonymous: 9800),
            Mapping("7f0000000000-7f0000100000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 1240),
            Mapping("7f0000200000-7f0000300000", "r--s", Exe, 40));

        var found = StartupPages.Releasable(smaps, Exe);

        Assert.Equal(
            [new StartupPages.Mapping(0x55b5c37a8000, 0x55b5c42f5000 - 0x55b5c37a8000, 9516),
             new StartupPages.Mapping(0x55b5c476d000, 0x55b5c5841000 - 0x55b5c476d000, 12240)],
            found);
    }

    [Fact]
    public void Releasable_ReplacedExecutable_MatchesItsDeletedName()
    {
        var smaps = Mapping("55b5c476d000-55b5c5841000", "r-xp", Exe + " (deleted)", 12240)
            + "\n" + Mapping("55b5c37a8000-55b5c42f5000", "r-xp", Exe, 100);

        var found = StartupPages.Releasable(smaps, Exe + " (deleted)");

        Assert.Equal([new StartupPages.Mapping(0x55b5c476d000, 0x55b5c5841000 - 0x55b5c476d000, 12240)], found);
    }

    [Fact]
    public void Releasable_OtherFileWithTheSamePrefix_IsNotTaken()
    {
        var smaps = Mapping("55b5c476d000-55b5c5841000", "r-xp", Exe + ".previous", 12240);

        Assert.Empty(StartupPages.Releasable(smaps, Exe));
    }
}
