using Amazon.S3;
using Amazon.S3.Model;
using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// Upload sessions in the bucket: <c>uploads/&lt;id&gt;/started</c> marks a session, and each append is a
/// chunk object named by its start offset. The session's row (<see cref="IUploadIndex"/>) holds the truth:
/// chunks past its size are ignored, and the next append at that offset overwrites them.
/// <code>
///  PATCH on replica A ─▶ spool (hashed) ─▶ SaveAsync: PUT uploads/&lt;id&gt;/00000000000000000000 ─▶ row size = n
///  PATCH on replica B ─▶ OpenUploadAsync: GET the chunks up to n into a spool (re-hashed), append, PUT …/n
///  PUT   on either    ─▶ verified spool ─▶ blobs/sha256/&lt;hex&gt; ─▶ the session's objects deleted
/// </code>
/// </summary>
public sealed partial class S3BlobStore
{
    public async Task CreateUploadAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        CheckUploadId(uploadId);
        try
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = Bucket, Key = _keys.UploadStarted(uploadId), ContentBody = "", IfNoneMatch = "*",
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
        {
            throw new IOException($"upload session {uploadId} exists already", e);
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e))
        {
            throw S3Errors.Unavailable(e, "starting an upload");
        }
    }

    public async Task<BlobWriter> OpenUploadAsync(string uploadId, long expectedLength, CancellationToken cancellationToken = default)
    {
        CheckUploadId(uploadId);
        var objects = await ListAsync(_keys.Upload(uploadId), cancellationToken);
        if (!objects.Any(o => o.Key == _keys.UploadStarted(uploadId)))
        {
            throw new FileNotFoundException($"upload session {uploadId} has no objects");
        }

        var chunks = objects
            .Select(o => (Object: o, Offset: S3Keys.ChunkOffset(o.Key[_keys.Upload(uploadId).Length..])))
            .Where(c => c.Offset is not null)
            .ToDictionary(c => c.Offset!.Value, c => c.Object);
        var sink = new UploadSink(this, uploadId);
        var writer = NewSpoolWriter(sink, Digest.Sha256);
        try
        {
            // The chunks in order, each where the one before ended, up to the recorded size.
            while (writer.Length < expectedLength && chunks.TryGetValue(writer.Length, out var chunk) && (chunk.Size ?? 0) > 0)
            {
                using var response = await _client.GetObjectAsync(Bucket, chunk.Key, cancellationToken);
                await using var body = response.ResponseStream;
                await writer.WriteFromAsync(body, expectedLength - writer.Length, cancellationToken);
            }

            await writer.FlushAsync(cancellationToken);
            writer.MarkSaved(); // what was read is in the bucket already
            return writer;
        }
        catch (Exception e)
        {
            await writer.DisposeAsync();
            if (S3Errors.IsUnavailable(e) && e is not FailureException)
            {
                throw S3Errors.Unavailable(e, "reading an upload");
            }

            throw;
        }
    }

    /// <summary>Nothing to cut: a chunk is an object only once whole, and chunks past the recorded size are ignored.</summary>
    public Task CutUploadAsync(string uploadId, long length) => Task.CompletedTask;

    public async Task DeleteUploadAsync(string uploadId)
    {
        if (DataLayout.IsUploadId(uploadId))
        {
            await DeletePrefixAsync(_keys.Upload(uploadId), CancellationToken.None);
        }
    }

    private static void CheckUploadId(string uploadId)
    {
        if (!DataLayout.IsUploadId(uploadId))
        {
            throw new ArgumentException("Malformed upload id.", nameof(uploadId));
        }
    }

    internal async Task<List<S3Object>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var all = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        try
        {
            while (true)
            {
                var page = await _client.ListObjectsV2Async(request, cancellationToken);
                all.AddRange(page.S3Objects ?? []);
                if (page.IsTruncated != true)
                {
                    return all;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e))
        {
            throw S3Errors.Unavailable(e, "listing the bucket");
        }
    }

    private async Task<bool> DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var objects = await ListAsync(prefix, cancellationToken);
        foreach (var batch in objects.Chunk(1000))
        {
            await _client.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = Bucket, Objects = [.. batch.Select(o => new KeyVersion { Key = o.Key })],
            }, cancellationToken);
        }

        return objects.Count > 0;
    }

    /// <summary>An upload session's writer: every save puts the bytes appended since the last one as a chunk.</summary>
    private sealed class UploadSink(S3BlobStore store, string uploadId) : IBlobSink
    {
        public async Task PublishAsync(FileStream spool, string spoolPath, Digest digest, long length, CancellationToken cancellationToken)
        {
            await store.PublishAsync(spool, spoolPath, store._keys.Blob(digest), length, cancellationToken);
            await store.DeleteUploadAsync(uploadId); // the session became the blob; a failure here leaves objects GC removes
        }

        public Microsoft.Win32.SafeHandles.SafeFileHandle? OpenPublished(Digest digest) => null;

        public async Task SaveAsync(string spoolPath, long saved, long length, CancellationToken cancellationToken)
        {
            try
            {
                await store.PutFileAsync(spoolPath, saved, length - saved, store._keys.UploadChunk(uploadId, saved), cancellationToken);
            }
            catch (Exception e) when (S3Errors.IsUnavailable(e) && e is not FailureException)
            {
                throw S3Errors.Unavailable(e, "saving an upload chunk");
            }
        }
    }
}
