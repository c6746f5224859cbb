using OciCache.Storage;
using OciCache.Storage.S3;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>S3 blob stores on the shared RGW: a bucket per test class, a key prefix per store when tests share it.</summary>
internal static class S3Stores
{
    /// <summary>A bucket name of <paramref name="purpose"/> made unique (RGW wants 3 to 63 lowercase characters).</summary>
    public static string NewBucket(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..Math.Min(40, purpose.Length + 33)];

    public static S3StorageOptions Options(CephRgw ceph, string bucket, string prefix = "", bool redirect = false) => new()
    {
        Endpoint = ceph.Endpoint.ToString(),
        Bucket = bucket,
        Region = ceph.Region,
        AccessKey = ceph.AccessKey,
        SecretKey = ceph.SecretKey,
        Prefix = prefix,
        Redirect = redirect,
    };

    /// <summary>A store whose spool is under <paramref name="spoolRoot"/>; the bucket is created when missing.</summary>
    public static S3BlobStore Create(S3StorageOptions options, string spoolRoot)
    {
        var store = new S3BlobStore(options, new DataLayout(spoolRoot), TimeProvider.System);
        store.EnsureBucketAsync().GetAwaiter().GetResult();
        return store;
    }
}
