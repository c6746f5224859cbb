using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Re-hashes a stored blob and says whether its bytes still match its digest: the one check behind
/// <c>ocicache verify</c> and the background scrub. The scrub passes a rate so pulls do not suffer.
/// </summary>
public static class BlobHasher
{
    private const int ChunkSize = 1024 * 1024;

    /// <param name="bytesPerSecond">Read no faster than this; null for as fast as the disk allows.</param>
    /// <exception cref="FileNotFoundException">The file is gone.</exception>
    public static async Task<bool> MatchesAsync(string path, Digest digest, long? bytesPerSecond = null, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        return await MatchesAsync(file, digest, bytesPerSecond, cancellationToken);
    }

    /// <summary>As the path overload, for content opened through <see cref="IBlobStore.OpenReadAsync"/>: reads the stream from its position to its end.</summary>
    public static async Task<bool> MatchesAsync(Stream content, Digest digest, long? bytesPerSecond = null, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(Digest.HashAlgorithmFor(digest.Algorithm));
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize); // not one large-object allocation per blob: verify hashes millions
        try
        {
            var started = Stopwatch.GetTimestamp();
            long total = 0;
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
                if (bytesPerSecond is { } rate)
                {
                    var ahead = TimeSpan.FromSeconds((double)total / Math.Max(1, rate)) - Stopwatch.GetElapsedTime(started);
                    if (ahead > TimeSpan.FromMilliseconds(5))
                    {
                        await Task.Delay(ahead, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Digest.FromHash(digest.Algorithm, hash.GetHashAndReset()) == digest;
    }
}
