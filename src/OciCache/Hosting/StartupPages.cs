using System.Globalization;
using System.Runtime.InteropServices;

namespace OciCache.Hosting;

/// <summary>
/// Gives back the executable's pages that only start-up read. Building the host walks code and read-only data
/// (configuration binding, the container, route building, the AOT data's compressed form it expands) that an
/// idle server never touches again; the kernel maps each touched page with its neighbours (fault-around), so a
/// large executable stays resident by most of its size. <c>madvise(MADV_DONTNEED)</c> on the executable's
/// mappings that nothing wrote drops those pages from this process's page tables; they stay in the page cache,
/// and what a request then runs is mapped again at its first touch.
/// </summary>
/// <remarks>
/// Only private mappings of the executable file that are not writable and hold no anonymous page qualify:
/// for them "dropped" means "read from the file again", which is what they hold. A mapping the loader made
/// writable and then read-only (RELRO, the relocated pointers) holds anonymous pages and is left alone, as are
/// the writable data, the heap and every other file.
/// </remarks>
internal static class StartupPages
{
    private const int MadvDontNeed = 4; // the same value on x64 and arm64 Linux

    /// <summary>A range of the address space, from <c>/proc/self/smaps</c>.</summary>
    internal readonly record struct Mapping(ulong Start, ulong Length, long ResidentKiB);

    /// <summary>Releases the executable's start-up pages; returns the KiB that were resident in them (0 off Linux).</summary>
    public static long Release()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        string executable;
        string smaps;
        try
        {
            if (new FileInfo("/proc/self/exe").LinkTarget is not { } target)
            {
                return 0;
            }

            (executable, smaps) = (target, File.ReadAllText("/proc/self/smaps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // no /proc (or not ours to read): the pages stay, as they would without this
        }

        long released = 0;
        foreach (var mapping in Releasable(smaps, executable))
        {
            if (Madvise((nint)mapping.Start, (nuint)mapping.Length, MadvDontNeed) == 0)
            {
                released += mapping.ResidentKiB;
            }
        }

        return released;
    }

    /// <summary>
    /// The mappings of <paramref name="executable"/> (the path as <c>/proc/self/exe</c> names it, with
    /// " (deleted)" once the file was replaced) that are private, not writable, and hold no anonymous or dirty page.
    /// </summary>
    internal static List<Mapping> Releasable(string smaps, string executable)
    {
        var found = new List<Mapping>();
        Mapping? candidate = null;
        var clean = true;

        void Close()
        {
            if (candidate is { } mapping && clean)
            {
                found.Add(mapping);
            }

            candidate = null;
        }

        foreach (var line in smaps.AsSpan().EnumerateLines())
        {
            if (IsHeader(line, out var start, out var end, out var perms, out var path))
            {
                Close();
                clean = true;
                var readOnlyPrivate = perms.Length == 4 && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
                if (readOnlyPrivate && path.SequenceEqual(executable))
                {
                    candidate = new Mapping(start, end - start, 0);
                }

                continue;
            }

            if (candidate is not { } current)
            {
                continue;
            }

            if (Field(line, "Rss:") is { } rss)
            {
                candidate = current with { ResidentKiB = rss };
            }
            else if (Field(line, "Anonymous:") is > 0 || Field(line, "Private_Dirty:") is > 0 || Field(line, "Shared_Dirty:") is > 0)
            {
                clean = false;
            }
        }

        Close();
        return found;
    }

    /// <summary>A mapping's first line: <c>start-end perms offset dev inode [path]</c>.</summary>
    private static bool IsHeader(ReadOnlySpan<char> line, out ulong start, out ulong end, out ReadOnlySpan<char> perms, out ReadOnlySpan<char> path)
    {
        start = end = 0;
        perms = path = default;
        var dash = line.IndexOf('-');
        var space = line.IndexOf(' ');
        if (dash <= 0 || space <= dash
            || !ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            || !ulong.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end))
        {
            return false;
        }

        var rest = line[(space + 1)..];
        perms = NextWord(ref rest);
        NextWord(ref rest); // offset
        NextWord(ref rest); // device
        NextWord(ref rest); // inode
        path = rest.Trim();
        return end > start;
    }

    private static ReadOnlySpan<char> NextWord(scoped ref ReadOnlySpan<char> rest)
    {
        rest = rest.TrimStart(' ');
        var space = rest.IndexOf(' ');
        var word = space < 0 ? rest : rest[..space];
        rest = space < 0 ? default : rest[space..];
        return word;
    }

    /// <summary>The kB figure of a <c>Name: N kB</c> line, or null for another line.</summary>
    private static long? Field(ReadOnlySpan<char> line, string name)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal))
        {
            return null;
        }

        var value = line[name.Length..].Trim();
        var space = value.IndexOf(' ');
        return long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : null;
    }

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
}
