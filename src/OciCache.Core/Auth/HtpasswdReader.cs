using System.Text;

namespace OciCache.Auth;

/// <summary>
/// Reads an htpasswd file line by line, never more than <see cref="HtpasswdFile.MaxBytes"/> of it: a file
/// past the limit (when it is looked at, or grown while it is read) is refused as a whole, so a request
/// never meets a half-read file and the heap never holds a file of any size.
/// </summary>
internal static class HtpasswdReader
{
    /// <summary>The bcrypt entries of the file at <paramref name="path"/>, or null with <paramref name="refusal"/> when it is too large.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static Dictionary<string, string>? Read(string path, long maxBytes, out List<(int Line, string Reason)> skipped, out string? refusal)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        if (stream.Length > maxBytes)
        {
            (skipped, refusal) = ([], $"{stream.Length} bytes");
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16);
        var grown = false;
        var hashes = HtpasswdFile.Parse(Lines(reader, stream, maxBytes, () => grown = true), out skipped);
        if (grown)
        {
            (skipped, refusal) = ([], $"more than {maxBytes} bytes (it grew while it was read)");
            return null;
        }

        refusal = null;
        return hashes;
    }

    private static IEnumerable<string> Lines(StreamReader reader, FileStream stream, long maxBytes, Action grown)
    {
        // The reader's buffer runs ahead of the lines taken, so the stream's position bounds what was read.
        while (reader.ReadLine() is { } line)
        {
            if (stream.Position > maxBytes)
            {
                grown();
                yield break;
            }

            yield return line;
        }
    }
}
