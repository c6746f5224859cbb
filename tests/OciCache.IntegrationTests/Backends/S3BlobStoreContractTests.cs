using OciCache.Storage;
using OciCache.Testing.Backends;
using OciCache.Testing.Storage;

namespace OciCache.IntegrationTests.Backends;

/// <summary>The blob store contract against Ceph RGW: one bucket for the class, a key prefix for each test.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class S3BlobStoreContractTests(ScaleOutBackends backends) : BlobStoreContract
{
    private static readonly string Bucket = S3Stores.NewBucket("contract");

    /// <summary>A GET already answering finishes after a delete; a new range answers 404 (an IOException).</summary>
    protected override bool OpenedContentOutlivesDelete => false;

    protected override IBlobStore CreateStore(string root) =>
        S3Stores.Create(S3Stores.Options(backends.Ceph, Bucket, prefix: $"{Guid.NewGuid():N}/"), root);
}
