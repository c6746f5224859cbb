using System.Security.Cryptography;
using OciCache.Oci;

namespace OciCache.Testing;

/// <summary>
/// A read-only stream of <see cref="Length"/> pseudo-random bytes generated on the fly from a seed, so
/// tests can move gigabytes without holding them. The same seed always yields the same bytes.
/// </summary>
public sealed class PatternStream(long length, ulong seed) : Stream
{
    private ulong _state = seed | 1;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The digest of the whole stream (computed by generating it once).</summary>
    public static Digest DigestOf(long length, ulong seed)
    {
        using var stream = new PatternStream(length, seed);
        return Digest.FromHash(Digest.Sha256, SHA256.HashData(stream));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            // xorshift64: fast, deterministic, incompressible enough for transport tests
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Samples a process's RSS in the background and keeps the peak.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(Func<long> read, TimeSpan? interval = null)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    Peak = Math.Max(Peak, read());
                }
                catch (IOException)
                {
                    return; // the process is gone
                }

                await Task.Delay(interval ?? TimeSpan.FromMilliseconds(20));
            }
        });
    }

    public long Peak { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
