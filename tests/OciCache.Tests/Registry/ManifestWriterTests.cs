using System.Text;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Tests.Registry;

/// <summary>The annotation and reference limits of <see cref="ManifestWriter"/> by origin (issue 11, items 2 and 3).</summary>
public sealed class ManifestWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new("manifest-writer");
    private readonly SqliteDatabase _database;
    private readonly SqliteMetadataIndex _index;
    private readonly ManifestWriter _writer;
    private readonly OciCache.Observability.CacheMetrics _metrics = new();

    public ManifestWriterTests()
    {
        var layout = new DataLayout(_temp.Path);
        layout.EnsureCreated();
        _database = new SqliteDatabase(_temp.Combine("meta.db"));
        _index = new SqliteMetadataIndex(_database, TimeProvider.System);
        _writer = new ManifestWriter(_index, _index, new ContentPublisher(_index, _index, new FileBlobStore(layout), new EvictionSignal()),
            new ImmutableTags(new TagOptions()), new QuotaGuard([], _index, _metrics, TimeProvider.System));
    }

    public void Dispose()
    {
        _database.Dispose();
        _metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task WriteAsync_FromUpstreamWithLargeAnnotations_IsStoredWhole_AndItsRowKeepsTheCut()
    {
        var manifest = Manifest(128 * 1024);
        var repository = Repository.Mirror("docker.io", "library/big");

        var result = await _writer.WriteAsync(repository, Reference.ForTag("v1"), new MemoryStream(manifest),
            MediaTypes.OciManifest, ManifestOrigin.Upstream(null), CancellationToken.None);

        var row = (await _index.GetManifestAsync(repository, result.Digest))!;
        Assert.Equal(manifest.Length, row.Size);
        Assert.True(Encoding.UTF8.GetByteCount(row.AnnotationsJson!) <= AnnotationLimits.MaxDescriptorBytes);
        Assert.Equal("""{"small":"kept"}""", row.AnnotationsJson); // the filler did not fit
    }

    [Fact]
    public async Task PutAsync_WithMoreReferencesThanTheLimit_IsManifestInvalid()
    {
        var error = await Assert.ThrowsAsync<FailureException>(() => _writer.PutAsync(Repository.Local("app"), Reference.ForTag("v1"),
            new MemoryStream(ManifestWithLayers(ManifestWriter.MaxReferences)), MediaTypes.OciManifest, CancellationToken.None));

        Assert.IsType<ManifestInvalid>(error.Failure); // not MANIFEST_BLOB_UNKNOWN: no reference was looked up
    }

    [Fact]
    public async Task WriteAsync_FromUpstreamWithMoreReferencesThanThePushLimit_IsStored()
    {
        var repository = Repository.Mirror("docker.io", "library/many");

        var result = await _writer.WriteAsync(repository, Reference.ForTag("v1"), new MemoryStream(ManifestWithLayers(ManifestWriter.MaxReferences)),
            MediaTypes.OciManifest, ManifestOrigin.Upstream(null), CancellationToken.None);

        Assert.NotNull(await _index.GetManifestAsync(repository, result.Digest));
    }

    /// <summary>A manifest with the empty config and <paramref name="layers"/> distinct layers: one more reference than layers.</summary>
    private static byte[] ManifestWithLayers(int layers)
    {
        var config = $$"""{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{Digest.ComputeSha256("{}"u8.ToArray())}}","size":2}""";
        var descriptors = Enumerable.Range(0, layers).Select(i =>
            $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{Digest.ComputeSha256(BitConverter.GetBytes(i))}}","size":4}""");
        return Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{config}},"layers":[{{string.Join(",", descriptors)}}]}
            """);
    }

    /// <summary>A manifest without references whose annotations object takes at least <paramref name="annotationBytes"/>.</summary>
    private static byte[] Manifest(int annotationBytes)
    {
        var config = $$"""{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{Digest.ComputeSha256("{}"u8.ToArray())}}","size":2}""";
        var filler = new string('f', annotationBytes);
        return Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{config}},"layers":[],"annotations":{"small":"kept","filler":"{{filler}}"} }
            """);
    }
}
