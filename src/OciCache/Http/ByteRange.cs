namespace OciCache.Http;

/// <summary>
/// A single byte range from a <c>Range: bytes=…</c> header, resolved against a known length.
/// Multi-range requests are answered with the whole blob (RFC 9110 lets a server ignore Range), which
/// no registry client sends anyway; containerd sends <c>bytes=N-</c> to resume and to parallelise.
/// </summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    public enum Outcome
    {
        /// <summary>No usable Range header: send the whole blob.</summary>
        Whole,
        Partial,

        /// <summary>Syntactically valid but outside the blob: 416.</summary>
        Unsatisfiable,
    }

    public static Outcome TryParse(string? header, long length, out ByteRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return Outcome.Whole;
        }

        var spec = header.AsSpan(6).Trim();
        if (spec.Contains(','))
        {
            return Outcome.Whole;
        }

        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return Outcome.Whole;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            // Suffix range: the last N bytes.
            if (!long.TryParse(last, out var suffix) || suffix < 0)
            {
                return Outcome.Whole;
            }

            if (suffix == 0 || length == 0)
            {
                return Outcome.Unsatisfiable;
            }

            var count = Math.Min(suffix, length);
            range = new ByteRange(length - count, count);
            return Outcome.Partial;
        }

        if (!long.TryParse(first, out var start) || start < 0)
        {
            return Outcome.Whole;
        }

        long end;
        if (last.IsEmpty)
        {
            end = length - 1;
        }
        else if (!long.TryParse(last, out end) || end < start)
        {
            return Outcome.Whole;
        }

        if (start >= length)
        {
            return Outcome.Unsatisfiable;
        }

        end = Math.Min(end, length - 1);
        range = new ByteRange(start, end - start + 1);
        return Outcome.Partial;
    }
}
