using System.Text;
using OciCache.Auth;

namespace OciCache.WebConsole;

/// <summary>
/// Reads the audit log (<c>audit.log</c>, then <c>audit.log.1</c>, …) newest line first, from the end of
/// each file backwards in 64 KiB blocks, and stops after <see cref="MaxScanBytes"/> or when
/// <paramref name="filter"/> passed <c>limit</c> lines: a large log costs a bounded read. A line that does not
/// parse (one cut by a crash) is skipped.
/// </summary>
internal static class AuditReader
{
    public const long MaxScanBytes = 16 * 1024 * 1024;
    public const int MaxLimit = 1000;

    private const int BlockBytes = 64 * 1024;

    /// <summary>
    /// What the console's audit view shows: the cluster's events from the shared store when there is one
    /// (<see cref="IAuditHistory"/>, with PostgreSQL metadata), else this process's <c>audit.log</c>; the same
    /// filter and limit either way, newest first.
    /// </summary>
    public static Task<IReadOnlyList<AuditLine>> ReadAsync(IServiceProvider services, AuditLogOptions options, AuditFilter filter, int limit, CancellationToken cancellationToken)
    {
        if (services.GetService<IAuditHistory>() is { } shared)
        {
            return shared.ReadAsync(new Storage.AuditQuery(filter.Action, filter.Who, filter.Repository), limit, cancellationToken);
        }

        var path = AuthStoreServices.AuditLogPath(options, services.GetRequiredService<Storage.DataLayout>());
        return Task.FromResult(Read(path, options.Files, filter, limit));
    }

    public static IReadOnlyList<AuditLine> Read(string path, int files, AuditFilter filter, int limit)
    {
        var found = new List<AuditLine>();
        long scanned = 0;
        for (var i = 0; i <= files && found.Count < limit && scanned < MaxScanBytes; i++)
        {
            var file = i == 0 ? path : $"{path}.{i}";
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in LinesBackwards(file, MaxScanBytes - scanned, bytes => scanned += bytes))
            {
                if (Parse(line) is { } entry && filter.Matches(entry))
                {
                    found.Add(entry);
                    if (found.Count >= limit)
                    {
                        break;
                    }
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> LinesBackwards(string path, long budget, Action<long> counted)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var position = stream.Length;
        var carry = Array.Empty<byte>();
        var buffer = new byte[BlockBytes];
        while (position > 0 && budget > 0)
        {
            var size = (int)Math.Min(BlockBytes, position);
            position -= size;
            stream.Position = position;
            stream.ReadExactly(buffer, 0, size);
            budget -= size;
            counted(size);
            var block = new byte[size + carry.Length];
            Buffer.BlockCopy(buffer, 0, block, 0, size);
            Buffer.BlockCopy(carry, 0, block, size, carry.Length);
            var end = block.Length;
            for (var i = block.Length - 1; i >= 0; i--)
            {
                if (block[i] == (byte)'\n')
                {
                    if (end - i - 1 > 0)
                    {
                        yield return Encoding.UTF8.GetString(block, i + 1, end - i - 1);
                    }

                    end = i;
                }
            }

            carry = block[..end];
        }

        if (position == 0 && carry.Length > 0)
        {
            yield return Encoding.UTF8.GetString(carry);
        }
    }

    private static AuditLine? Parse(string line) => AuditLine.Parse(line);
}

/// <summary>Which audit lines to show: each given field must match exactly (<c>who</c>, <c>action</c>) or by prefix (<c>repository</c>).</summary>
internal sealed record AuditFilter(string? Action, string? Who, string? Repository)
{
    public bool Matches(AuditLine line) =>
        (Action is not { Length: > 0 } || line.Action == Action) &&
        (Who is not { Length: > 0 } || line.Who == Who) &&
        (Repository is not { Length: > 0 } || (line.Repository?.StartsWith(Repository, StringComparison.Ordinal) ?? false));
}
