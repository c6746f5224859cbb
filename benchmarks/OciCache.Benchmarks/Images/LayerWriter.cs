using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace OciCache.Benchmarks.Images;

/// <summary>
/// Writes a real image layer to a file: a gzip-compressed tar holding one file of pseudo-random bytes,
/// generated and hashed in 1 MiB steps, so a 1 GiB layer never sits in memory. containerd can unpack it:
/// the tar's own digest (the config's diff_id) is computed on the way.
/// </summary>
internal static class LayerWriter
{
    private const int Block = 512;

    public static (BlobRef Blob, string DiffId) Write(string blobDirectory, long contentBytes, ulong seed, string fileName)
    {
        var temp = Path.Combine(blobDirectory, $".layer-{Guid.NewGuid():N}.part");
        using var compressedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long compressedSize;
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var compressed = new HashingStream(file, compressedHash);
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                var tar = new HashingStream(gzip, tarHash);
                tar.Write(Header(fileName, contentBytes));
                var buffer = new byte[1 << 20];
                var random = new XorShift(seed);
                for (var left = contentBytes; left > 0;)
                {
                    var count = (int)Math.Min(buffer.Length, left);
                    random.Fill(buffer);
                    tar.Write(buffer, 0, count);
                    left -= count;
                }

                // Pad the file to a whole block, then the two empty blocks that end an archive.
                tar.Write(new byte[(Block - (int)(contentBytes % Block)) % Block + 2 * Block]);
            }

            compressedSize = compressed.Length;
        }

        var digest = "sha256:" + Convert.ToHexStringLower(compressedHash.GetHashAndReset());
        File.Move(temp, Path.Combine(blobDirectory, digest[7..]), overwrite: true);
        var diffId = "sha256:" + Convert.ToHexStringLower(tarHash.GetHashAndReset());
        return (new BlobRef(digest, "application/vnd.oci.image.layer.v1.tar+gzip", compressedSize), diffId);
    }

    /// <summary>A POSIX ustar header for one regular file, owned by root, mode 0644, mtime 0.</summary>
    private static byte[] Header(string name, long size)
    {
        var header = new byte[Block];
        void Put(int offset, string value) => Encoding.ASCII.GetBytes(value).CopyTo(header, offset);
        Put(0, name);
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, "00000000000\0");
        Put(148, "        "); // the checksum counts its own field as spaces
        header[156] = (byte)'0';
        Put(257, "ustar\0");
        Put(263, "00");
        Put(265, "root");
        Put(297, "root");
        var checksum = header.Sum(b => b);
        Put(148, Convert.ToString(checksum, 8).PadLeft(6, '0') + "\0 ");
        return header;
    }

    /// <summary>xorshift64: deterministic, fast, incompressible for gzip.</summary>
    private sealed class XorShift(ulong seed)
    {
        private ulong _state = seed * 0x9E3779B97F4A7C15UL | 1;

        public void Fill(byte[] buffer)
        {
            foreach (ref var word in MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan()))
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                word = _state;
            }
        }
    }
}

/// <summary>A write-only pass-through that hashes and counts what it forwards.</summary>
internal sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
{
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        inner.Write(buffer);
        _length += buffer.Length;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
