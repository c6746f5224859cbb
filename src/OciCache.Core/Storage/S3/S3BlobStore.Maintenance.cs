using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// Deleting, quarantining, listing and removing leftovers in the bucket. <see cref="StoreArea.Temp"/> lists
/// the local spool files and the bucket's incomplete multipart uploads (a publish that died); an upload
/// session is listed once, as <c>uploads/&lt;id&gt;</c>, with the bytes of all its objects.
/// </summary>
public sealed partial class S3BlobStore
{
    private const string MultipartMarker = "?uploadId=";

    public bool Delete(Digest digest) => Run(() => DeleteObjectAsync(_keys.Blob(digest)), "deleting a blob");

    public bool Quarantine(Digest digest) => Run(() => MoveAsync(_keys.Blob(digest), _keys.QuarantineOf(digest)), "quarantining a blob");

    public IEnumerable<StoreFile> EnumerateFiles(StoreArea area) => area switch
    {
        StoreArea.Blobs => Listed(_keys.Blobs).Select(o => new StoreFile(area, o.Key, _keys.DigestOf(o.Key), o.Size ?? 0, LastWrite(o))),
        StoreArea.Quarantine => Listed(_keys.Quarantine).Select(o => new StoreFile(area, o.Key, null, o.Size ?? 0, LastWrite(o))),
        StoreArea.Uploads => Listed(_keys.Uploads)
            .GroupBy(o => o.Key[_keys.Uploads.Length..].Split('/')[0], StringComparer.Ordinal)
            .Select(g => new StoreFile(area, _keys.Uploads + g.Key, null, g.Sum(o => o.Size ?? 0), g.Max(LastWrite))).ToList(),
        StoreArea.Temp => [.. LocalTemp(), .. Run(ListMultipartAsync, "listing multipart uploads")],
        _ => throw new ArgumentOutOfRangeException(nameof(area), area, null),
    };

    public bool Remove(StoreFile file)
    {
        switch (file.Area)
        {
            case StoreArea.Blobs when file.Path.StartsWith(_keys.Blobs, StringComparison.Ordinal):
            case StoreArea.Quarantine when file.Path.StartsWith(_keys.Quarantine, StringComparison.Ordinal):
                return Run(() => DeleteObjectAsync(file.Path), "removing a leftover");
            case StoreArea.Uploads when file.Path.StartsWith(_keys.Uploads, StringComparison.Ordinal) && !file.Path[_keys.Uploads.Length..].Contains('/'):
                return Run(() => DeletePrefixAsync(file.Path + "/", CancellationToken.None), "removing an upload");
            case StoreArea.Temp when file.Path.Contains(MultipartMarker, StringComparison.Ordinal):
                var at = file.Path.IndexOf(MultipartMarker, StringComparison.Ordinal);
                return Run(() => AbortAsync(file.Path[..at], file.Path[(at + MultipartMarker.Length)..]), "aborting a multipart upload");
            case StoreArea.Temp when Path.GetDirectoryName(Path.GetFullPath(file.Path)) == Path.GetFullPath(_spool.Temp):
                if (!File.Exists(file.Path))
                {
                    return false;
                }

                File.Delete(file.Path);
                return true;
            default:
                throw new ArgumentException($"{file.Path} is not in {file.Area} of this store.", nameof(file));
        }
    }

    public bool Quarantine(StoreFile file)
    {
        if (file.Area != StoreArea.Blobs || !file.Path.StartsWith(_keys.Blobs, StringComparison.Ordinal))
        {
            throw new ArgumentException("Only objects of blobs/ are quarantined.", nameof(file));
        }

        var target = file.Digest is { } digest ? _keys.QuarantineOf(digest) : _keys.MalformedQuarantine(file.Path[_keys.Blobs.Length..].Replace('/', '_'));
        return Run(() => MoveAsync(file.Path, target), "quarantining a blob");
    }

    /// <summary>Puts and deletes an empty object, and creates a spool file: both halves of a write.</summary>
    public string? ProbeWritable()
    {
        try
        {
            new FileStream(_spool.NewTempPath(), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the spool folder cannot be written ({_spool.Temp}): {e.Message}";
        }

        try
        {
            var key = $"{_keys.Prefix}probe/{Guid.NewGuid():N}";
            Task.Run(async () =>
            {
                await _client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "" });
                await _client.DeleteObjectAsync(Bucket, key);
            }).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or TimeoutException or TaskCanceledException)
        {
            return $"the object store cannot be written (bucket {Bucket}): {S3Errors.Describe(e)}";
        }
    }

    /// <summary>
    /// Deletes the local spool files, and aborts multipart uploads older than <see cref="AbandonedAfter"/>:
    /// younger ones may be another replica's publish in progress. An object store that does not answer is
    /// skipped (the next start tries again).
    /// </summary>
    public int CleanTemp()
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(_spool.Temp))
        {
            File.Delete(path);
            removed++;
        }

        var cutoff = _time.GetUtcNow() - AbandonedAfter;
        try
        {
            foreach (var upload in Run(ListMultipartAsync, "listing multipart uploads").Where(u => u.LastWrite < cutoff))
            {
                removed += Remove(upload) ? 1 : 0;
            }
        }
        catch (FailureException)
        {
            // The object store is down at start: its leftovers wait for the next start; serving must not.
        }

        return removed;
    }

    /// <summary>The objects under <paramref name="prefix"/>, a page (1000 keys) at a time as the caller walks them.</summary>
    private IEnumerable<S3Object> Listed(string prefix)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        while (true)
        {
            var page = Run(() => _client.ListObjectsV2Async(request), "listing the bucket");
            foreach (var listed in page.S3Objects ?? [])
            {
                yield return listed;
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private IEnumerable<StoreFile> LocalTemp() =>
        new DirectoryInfo(_spool.Temp).EnumerateFiles().Select(f => new StoreFile(StoreArea.Temp, f.FullName, null, f.Exists ? f.Length : 0, f.LastWriteTimeUtc));

    private async Task<List<StoreFile>> ListMultipartAsync()
    {
        var found = new List<StoreFile>();
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = _keys.Blobs };
        while (true)
        {
            var page = await _client.ListMultipartUploadsAsync(request);
            found.AddRange((page.MultipartUploads ?? []).Select(u => new StoreFile(
                StoreArea.Temp, u.Key + MultipartMarker + u.UploadId, null, 0, u.Initiated is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch)));
            if (page.IsTruncated != true)
            {
                return found;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    private async Task<bool> AbortAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId });
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<bool> DeleteObjectAsync(string key)
    {
        if (await HeadAsync(key, CancellationToken.None) is null)
        {
            return false;
        }

        await _client.DeleteObjectAsync(Bucket, key);
        return true;
    }

    private async Task<bool> MoveAsync(string from, string to)
    {
        try
        {
            await _client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = Bucket, SourceKey = from, DestinationBucket = Bucket, DestinationKey = to });
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            return false;
        }

        await _client.DeleteObjectAsync(Bucket, from);
        return true;
    }

    private static DateTimeOffset LastWrite(S3Object o) =>
        o.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
}
