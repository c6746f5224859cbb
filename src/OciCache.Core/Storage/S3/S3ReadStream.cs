using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace OciCache.Storage.S3;

/// <summary>
/// A committed blob read by ranged GETs: a read at position N opens <c>Range: bytes=N-</c> and sequential
/// reads keep that one response open; a seek elsewhere drops it and the next read opens another. Nothing of
/// the blob is buffered beyond what the socket holds.
/// </summary>
/// <remarks>
/// S3 has no open handle that outlives a delete: a GET already answering streams to its end, but a range
/// opened after the object was deleted (a seek, a reconnect) answers 404. That read fails with an
/// <see cref="IOException"/> that says so, never with short or foreign bytes (the range is pinned to the
/// ETag that was opened).
/// </remarks>
internal sealed class S3ReadStream(IAmazonS3 client, string bucket, string key, string? etag, long length, string name) : Stream
{
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _bodyPosition = -1;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        if (_body is null || _bodyPosition != _position)
        {
            await OpenAsync(cancellationToken);
        }

        int read;
        try
        {
            read = await _body!.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _position)], cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or AmazonServiceException)
        {
            CloseResponse();
            throw new IOException($"reading {name} from the object store failed at byte {_position}: {e.Message}", e);
        }

        if (read == 0)
        {
            CloseResponse();
            throw new IOException($"{name} ended at byte {_position} of {length} in the object store");
        }

        _position += read;
        _bodyPosition = _position;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseResponse();
        }

        base.Dispose(disposing);
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        CloseResponse();
        try
        {
            _response = await client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = bucket,
                Key = key,
                ByteRange = new ByteRange(_position, length - 1),
                EtagToMatch = etag,
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed)
        {
            throw new IOException($"{name} was deleted from the object store while it was read (at byte {_position} of {length})", e);
        }
        catch (Exception e) when (e is HttpRequestException or AmazonServiceException)
        {
            throw new IOException($"reading {name} from the object store failed at byte {_position}: {e.Message}", e);
        }

        _body = _response.ResponseStream;
        _bodyPosition = _position;
    }

    private void CloseResponse()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
        _bodyPosition = -1;
    }
}
