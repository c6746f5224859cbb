using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// The blob store in an S3 bucket (Ceph RGW, or any S3), laid out as <see cref="S3Keys"/> describes. Writes
/// spool into the data folder's <c>tmp/</c> while hashed (as with the file store, so fills' followers read
/// the spool as it grows); only verified bytes are uploaded under their digest (<see cref="PublishAsync"/>).
/// Upload sessions keep every appended chunk as an object, so any replica continues any session.
/// </summary>
/// <remarks>
/// The members the contract keeps synchronous (<see cref="Delete"/>, <see cref="EnumerateFiles"/>, ...) run
/// their requests to the end on the calling thread: they serve background work (eviction, garbage
/// collection, verify) and /readyz, never the request path of a pull.
/// </remarks>
public sealed partial class S3BlobStore : IBlobStore, IBlobSink, IBlobRedirects, IDisposable
{
    /// <summary>Bytes per part of a multipart upload; a blob of at most one part is one PUT.</summary>
    internal const int PartSize = 8 << 20;

    /// <summary>How long a pre-signed redirect URL stays valid.</summary>
    internal static readonly TimeSpan RedirectLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Incomplete multipart uploads older than this are leftovers (a replica died while publishing).</summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(24);

    private readonly IAmazonS3 _client;
    private readonly S3Keys _keys;
    private readonly DataLayout _spool;
    private readonly S3StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly bool _plainHttp;

    public S3BlobStore(S3StorageOptions options, DataLayout spool, TimeProvider time)
        : this(S3Client.Create(options), options, spool, time)
    {
    }

    internal S3BlobStore(IAmazonS3 client, S3StorageOptions options, DataLayout spool, TimeProvider time)
    {
        _client = client;
        _options = options;
        _keys = new S3Keys(options.Prefix);
        _spool = spool;
        _time = time;
        _plainHttp = options.Endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        Bucket = options.Bucket;
        spool.EnsureCreated();
    }

    public string Bucket { get; }

    /// <summary>
    /// Creates the bucket when it is missing; a bucket that exists, or that these credentials may not create,
    /// is left as it is. An object store that does not answer fails the call (<see cref="StorageUnavailable"/>).
    /// </summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists" || e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // there already
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // not ours to create: the first request that needs it will say whether it is there
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e))
        {
            throw S3Errors.Unavailable(e, $"creating bucket {Bucket}");
        }
    }

    public async ValueTask<long?> GetLengthAsync(Digest digest, CancellationToken cancellationToken = default) =>
        (await HeadAsync(_keys.Blob(digest), cancellationToken))?.ContentLength;

    public async ValueTask<BlobContent?> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var key = _keys.Blob(digest);
        if (await HeadAsync(key, cancellationToken) is not { } head)
        {
            return null;
        }

        return new BlobContent(new S3ReadStream(_client, Bucket, key, head.ETag, head.ContentLength, $"blob {digest}"), head.ContentLength);
    }

    public BlobWriter CreateWriter(string algorithm = Digest.Sha256) => NewSpoolWriter(this, algorithm);

    public Uri? TryGetRedirect(Digest digest) => _options.Redirect
        ? new Uri(_client.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = _keys.Blob(digest),
            Verb = HttpVerb.GET,
            Protocol = _plainHttp ? Protocol.HTTP : Protocol.HTTPS,
            Expires = _time.GetUtcNow().Add(RedirectLifetime).UtcDateTime,
        }))
        : null;

    /// <summary>
    /// Uploads the verified spool under the blob's key: one PUT up to <see cref="PartSize"/>, else a multipart
    /// upload of parts read from the file one at a time, completed only when every part is in (aborted
    /// otherwise). Then the spool is deleted: a follower that opened it keeps reading; a later one finds no
    /// local file (<see cref="IBlobSink.OpenPublished"/> is null) and looks the blob up in the store.
    /// A blob already stored with the same length is not uploaded again: its key is its digest, and what is
    /// under it was verified when it was published (another replica's fill of it, which this one followed).
    /// </summary>
    async Task IBlobSink.PublishAsync(FileStream spool, string spoolPath, Digest digest, long length, CancellationToken cancellationToken)
    {
        var key = _keys.Blob(digest);
        if ((await HeadAsync(key, cancellationToken))?.ContentLength == length)
        {
            await spool.DisposeAsync();
            File.Delete(spoolPath);
            return;
        }

        await PublishAsync(spool, spoolPath, key, length, cancellationToken);
    }

    SafeFileHandle? IBlobSink.OpenPublished(Digest digest) => null;

    Task IBlobSink.SaveAsync(string spoolPath, long saved, long length, CancellationToken cancellationToken) => Task.CompletedTask;

    internal async Task PublishAsync(FileStream spool, string spoolPath, string key, long length, CancellationToken cancellationToken)
    {
        await spool.FlushAsync(cancellationToken);
        await spool.DisposeAsync();
        try
        {
            if (length <= PartSize)
            {
                await PutFileAsync(spoolPath, 0, length, key, cancellationToken);
            }
            else
            {
                await MultipartAsync(spoolPath, key, length, cancellationToken);
            }
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e) && e is not FailureException)
        {
            throw S3Errors.Unavailable(e, "publishing a blob");
        }

        File.Delete(spoolPath);
    }

    internal async Task PutFileAsync(string path, long start, long length, string key, CancellationToken cancellationToken)
    {
        await using var body = new FileSlice(path, start, length);
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = body, AutoCloseStream = false }, cancellationToken);
    }

    private async Task MultipartAsync(string spoolPath, string key, long length, CancellationToken cancellationToken)
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key }, cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            for (long offset = 0, number = 1; offset < length; offset += PartSize, number++)
            {
                await using var body = new FileSlice(spoolPath, offset, Math.Min(PartSize, length - offset));
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Bucket, Key = key, UploadId = started.UploadId, PartNumber = (int)number, InputStream = body,
                }, cancellationToken);
                parts.Add(new PartETag((int)number, part.ETag));
            }

            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = Bucket, Key = key, UploadId = started.UploadId, PartETags = parts,
            }, cancellationToken);
        }
        catch
        {
            await AbortQuietlyAsync(key, started.UploadId);
            throw;
        }
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId });
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e) || e is AmazonS3Exception)
        {
            // Left as an incomplete upload: listed under Temp, aborted by CleanTemp once old.
        }
    }

    internal BlobWriter NewSpoolWriter(IBlobSink sink, string algorithm)
    {
        var path = _spool.NewTempPath();
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        });
        return new BlobWriter(sink, path, file, algorithm, keepOnDispose: false);
    }

    internal async Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            return null;
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e))
        {
            throw S3Errors.Unavailable(e, "looking up a blob");
        }
    }

    internal IAmazonS3 Client => _client;

    internal S3Keys Keys => _keys;

    public void Dispose() => _client.Dispose();

    /// <summary>Runs a request of a synchronous member to its end; the object store's outages become <see cref="StorageUnavailable"/>.</summary>
    private static T Run<T>(Func<Task<T>> request, string doing)
    {
        try
        {
            return Task.Run(request).GetAwaiter().GetResult();
        }
        catch (Exception e) when (S3Errors.IsUnavailable(e) && e is not FailureException)
        {
            throw S3Errors.Unavailable(e, doing);
        }
    }
}
