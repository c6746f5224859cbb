using System.Text;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Transfer;

namespace OciCache.Tests.Transfer;

public sealed class OciLayoutTests
{
    [Fact]
    public void WriteIndex_ReadIndex_RoundTripsNamesAndDescriptors()
    {
        var entries = new[]
        {
            new LayoutEntry("docker.io/library/nginx:1.27", MediaTypes.OciIndex, Digest.ComputeSha256("a"u8), 10),
            new LayoutEntry($"site/app@{Digest.ComputeSha256("b"u8)}", MediaTypes.OciManifest, Digest.ComputeSha256("b"u8), 20),
        };

        var json = OciLayout.WriteIndex(entries);

        Assert.Equal(entries, OciLayout.ReadIndex(json));
        Assert.Contains("\"io.containerd.image.name\": \"docker.io/library/nginx:1.27\"", Encoding.UTF8.GetString(json));
    }

    [Fact]
    public void ReadIndex_EntryWithoutName_FailsNamingTheEntry()
    {
        var digest = Digest.ComputeSha256("a"u8);
        var json = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"manifests":[{"mediaType":"{{MediaTypes.OciManifest}}","digest":"{{digest}}","size":1}]}""");

        var error = Assert.Throws<TransferException>(() => OciLayout.ReadIndex(json));

        Assert.Contains(digest.ToString(), error.Message);
    }

    [Fact]
    public void ReadIndex_EntryNamedByTagAlone_FailsAskingForTheFullName()
    {
        var json = OciLayout.WriteIndex([new LayoutEntry("v1", MediaTypes.OciManifest, Digest.ComputeSha256("a"u8), 1)]);

        var error = Assert.Throws<TransferException>(() => OciLayout.ReadIndex(json));

        Assert.Contains("'v1', a tag alone", error.Message);
    }

    [Theory]
    [InlineData("blobs/sha256/0000000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("./blobs/sha256/0000000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("blobs/sha256/../../etc/passwd", false)]
    [InlineData("blobs/sha256/ABCD", false)]
    [InlineData("blobs/sha256", false)]
    [InlineData("index.json", false)]
    public void TryParseBlobPath_AcceptsOnlyDigestNames(string path, bool valid) =>
        Assert.Equal(valid, OciLayout.TryParseBlobPath(path, out _));

    [Theory]
    [InlineData("layout")]
    [InlineData("layout.tar")]
    public async Task LayoutTarget_ThenLayoutSource_ReadsBackEveryFile(string name)
    {
        using var work = new TempDirectory("layout");
        var blob = TestBlob.Random(300 * 1024, seed: 7);
        var target = LayoutTarget.Create(work.Combine(name));
        await using (target)
        {
            await target.AddAsync(OciLayout.LayoutFile, new MemoryStream(Encoding.UTF8.GetBytes(OciLayout.LayoutContent)), default);
            await target.AddAsync(OciLayout.BlobPath(blob.Digest), new MemoryStream(blob.Bytes), default);
            await target.AddAsync(OciLayout.IndexFile, new MemoryStream("{}"u8.ToArray()), default);
            await target.CompleteAsync(default);
        }

        var read = new Dictionary<string, byte[]>();
        await foreach (var file in LayoutSource.Open(work.Combine(name), new TransferProgress()).ReadAsync(default))
        {
            using var copy = new MemoryStream();
            await file.Content.CopyToAsync(copy);
            Assert.Equal(file.Length, copy.Length);
            read[file.Path] = copy.ToArray();
        }

        Assert.Equal([OciLayout.BlobPath(blob.Digest), OciLayout.IndexFile, OciLayout.LayoutFile], read.Keys.Order());
        Assert.Equal(blob.Bytes, read[OciLayout.BlobPath(blob.Digest)]);
        Assert.Equal([name], Directory.GetFileSystemEntries(work.Path).Select(Path.GetFileName)); // no temp copy left
    }

    [Fact]
    public async Task LayoutTarget_DisposedWithoutComplete_LeavesNothing()
    {
        using var work = new TempDirectory("layout");
        await using (var target = LayoutTarget.Create(work.Combine("x.tar")))
        {
            await target.AddAsync(OciLayout.LayoutFile, new MemoryStream([1, 2, 3]), default);
        }

        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task Stager_BlobNotHashingToItsName_FailsNamingIt_AndPublishesNothing()
    {
        using var work = new TempDirectory("layout");
        var store = new FileBlobStore(new DataLayout(work.Combine("data")));
        var good = TestBlob.Random(1000, seed: 1);
        var bad = TestBlob.Random(1000, seed: 2);
        var folder = work.Combine("bundle");
        Directory.CreateDirectory(Path.Combine(folder, "blobs", "sha256"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "blobs", "sha256", good.Hex), good.Bytes);
        await File.WriteAllBytesAsync(Path.Combine(folder, "blobs", "sha256", bad.Hex), good.Bytes); // another blob's bytes

        var stager = new BundleStager(store, new TransferProgress());
        var error = await Assert.ThrowsAsync<TransferException>(() => stager.StageAsync(LayoutSource.Open(folder, new TransferProgress()), default));

        Assert.Contains($"blob {bad.Digest}", error.Message);
        Assert.Contains("hash mismatch", error.Message);
        Assert.Null(await store.GetLengthAsync(bad.Digest));
        Assert.Empty(Directory.GetFiles(store.Layout.Temp));
    }
}
