using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Testing.Storage;

/// <summary>
/// The metadata roles of one backend. A contract suite exercises one role and sets up through the others.
/// <paramref name="Release"/>, when given, runs when the test ends (closing pools, dropping connections).
/// </summary>
public sealed record MetadataBackend(
    IBlobIndex Blobs, IManifestIndex Manifests, IUploadIndex Uploads, IEvictionIndex Eviction, IRepositoryCatalog Catalog,
    Action? Release = null);

/// <summary>
/// The base of the metadata contract suites (<see cref="BlobIndexContract"/>, <see cref="ManifestIndexContract"/>,
/// <see cref="UploadIndexContract"/>, <see cref="EvictionIndexContract"/>, <see cref="RepositoryCatalogContract"/>):
/// a fresh backend per test. A new backend adds one subclass of each suite that builds it in <see cref="CreateBackend"/>.
/// </summary>
public abstract class MetadataContract : IDisposable
{
    protected static readonly Digest A = Digest.ComputeSha256([1]);
    protected static readonly Digest B = Digest.ComputeSha256([2]);
    protected static readonly Digest C = Digest.ComputeSha256([3]);

    protected static readonly Repository App = Repository.Local("app");
    protected static readonly Repository Other = Repository.Local("other");

    protected MetadataContract()
    {
        Backend = CreateBackend(Temp);
    }

    protected TempDirectory Temp { get; } = new("metadata");

    protected MetadataBackend Backend { get; }

    protected IBlobIndex Blobs => Backend.Blobs;

    protected IManifestIndex Manifests => Backend.Manifests;

    protected abstract MetadataBackend CreateBackend(TempDirectory temp);

    protected static ManifestRecord Manifest(Digest digest, string mediaType = MediaTypes.OciManifest, long size = 5) => new(digest, mediaType, size);

    public void Dispose()
    {
        Backend.Release?.Invoke();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
