using System.Diagnostics;
using System.Formats.Tar;
using OciCache.Transfer;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// <c>ocicache import</c> of bundles a hostile or careless author crafted: every defect is a clean refusal
/// naming the entry, every read is bounded, and a refusal records nothing and leaves nothing behind.
/// </summary>
public sealed class HostileBundleTests : IDisposable
{
    private readonly TempDirectory _work = new("hostile-bundle");

    private string Data => _work.Combine("data");

    public void Dispose() => _work.Dispose();

    /// <summary>40 indexes, each listing the next twice: 2^40 paths through 43 blobs, each manifest planned once.</summary>
    [Fact]
    public async Task Import_IndexesListingTheirChildTwice_PlansEachManifestOnce()
    {
        var bundle = new CraftedBundle();
        var node = bundle.Image([TestBlob.Random(64, seed: 1901)]);
        for (var i = 0; i < 40; i++)
        {
            node = bundle.Index([node, node]);
        }

        bundle.Entry("site/dag:v1", node);
        var tar = _work.Combine("dag.tar");
        bundle.WriteTar(tar);

        var result = await ImportAsync(tar);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("41 manifests stored", result.Stdout);
        Assert.Equal((41L, 1L, 2L), TransferFixture.Rows(Data));
    }

    /// <summary>A manifest planned once per repository still gets every tag its entries give it.</summary>
    [Fact]
    public async Task Import_TwoEntriesForOneImage_RecordsItOnceWithBothTags()
    {
        var bundle = new CraftedBundle();
        var image = bundle.Image([TestBlob.Random(64, seed: 1906)]);
        bundle.Entry("site/twice:v1", image);
        bundle.Entry("site/twice:latest", image);
        var dir = _work.Combine("twice");
        bundle.WriteFolder(dir);

        var result = await ImportAsync(dir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal((1L, 2L, 2L), TransferFixture.Rows(Data));
    }

    [Fact]
    public async Task ImportDir_BlobThatIsASymlinkToDevZero_IsRefusedNamingIt()
    {
        var (dir, victim) = WriteFolderBundle();
        File.Delete(victim);
        File.CreateSymbolicLink(victim, "/dev/zero");

        var result = await ImportAsync(dir);

        AssertRefused(result, Relative(dir, victim), "not a regular file");
    }

    [Fact]
    public async Task ImportDir_BlobThatIsAFifo_IsRefusedNamingIt()
    {
        var (dir, victim) = WriteFolderBundle();
        File.Delete(victim);
        using (var mkfifo = Process.Start("mkfifo", [victim]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var result = await ImportAsync(dir);

        AssertRefused(result, Relative(dir, victim), "not a regular file");
    }

    [Fact]
    public async Task ImportDir_BlobsFolderLinkedOutOfTheLayout_IsRefused()
    {
        var (dir, _) = WriteFolderBundle();
        var outside = _work.Combine("elsewhere");
        Directory.Move(Path.Combine(dir, "blobs"), outside);
        Directory.CreateSymbolicLink(Path.Combine(dir, "blobs"), outside);

        var result = await ImportAsync(dir);

        AssertRefused(result, "blobs", "not a regular file or folder");
    }

    [Fact]
    public async Task ImportTar_SparseEntry_IsRefusedNamingIt()
    {
        var bundle = new CraftedBundle();
        var layer = TestBlob.Random(4096, seed: 1902);
        bundle.Entry("site/sparse:v1", bundle.Image([layer]));
        var tar = _work.Combine("sparse.tar");
        bundle.WriteTar(tar);
        CraftedBundle.MakeSparse(tar, OciLayout.BlobPath(layer.Digest));

        var result = await ImportAsync(tar);

        AssertRefused(result, OciLayout.BlobPath(layer.Digest), "sparse");
    }

    /// <summary>The writer's limits for a push apply to an import into a local repository, before anything is recorded.</summary>
    [Fact]
    public async Task Import_LocalImageOverAPushLimit_IsRefusedWithTheDetail_RecordingNothing()
    {
        const string detail = "references 1501 blobs and manifests; at most 1000";
        var bundle = new CraftedBundle();
        var image = bundle.Image(Enumerable.Range(0, 1500).Select(i => TestBlob.Random(16, seed: 20_000 + i)));
        bundle.Entry("site/big:v1", image);
        var tar = _work.Combine("big.tar");
        bundle.WriteTar(tar);

        var result = await ImportAsync(tar);

        AssertRefused(result, "site/big:v1", detail);
        Assert.Equal((0L, 0L, 0L), TransferFixture.Rows(Data));
    }

    /// <summary>
    /// A refused import into an empty store leaves no blob file behind, so <c>verify</c> does not take the
    /// staged blobs for the content of a lost database.
    /// </summary>
    [Theory]
    [InlineData("plan")]
    [InlineData("hash mismatch")]
    public async Task Import_RefusedIntoAnEmptyStore_LeavesNoBlobBehind_VerifyIsClean(string refusal)
    {
        var bundle = new CraftedBundle();
        // The plan refuses a local image over the push limit of references; the hash check refuses a changed byte.
        var layers = Enumerable.Range(0, refusal == "plan" ? ManifestWriter.MaxReferences + 1 : 20).Select(i => TestBlob.Random(1024, seed: 1910 + i)).ToList();
        bundle.Entry("site/app:v1", bundle.Image(layers));
        var tar = _work.Combine("refused.tar");
        bundle.WriteTar(tar);
        if (refusal == "hash mismatch")
        {
            var bytes = File.ReadAllBytes(tar);
            var last = bundle.Blobs[^1];
            bytes[bytes.AsSpan().IndexOf(last.Bytes) + 10] ^= 0x01;
            File.WriteAllBytes(tar, bytes);
        }

        var result = await ImportAsync(tar);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(Directory.EnumerateFiles(new DataLayout(Data).Blobs, "*", SearchOption.AllDirectories));
        var verify = await TransferFixture.OciCacheAsync("verify", "--data", Data);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    /// <summary>A bundle's image name reaches the terminal with its control characters escaped, on the one error line.</summary>
    [Fact]
    public async Task Import_NameWithTerminalControlCharacters_IsPrintedEscaped()
    {
        var bundle = new CraftedBundle();
        bundle.Entry("site/app\u001b[2J\r\nocicache: imported 9 images\u0007:v1", bundle.Image([TestBlob.Random(64, seed: 1904)]));
        var tar = _work.Combine("escape.tar");
        bundle.WriteTar(tar);

        var result = await ImportAsync(tar);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain('\u001b', result.Stderr);
        Assert.DoesNotContain('\u0007', result.Stderr);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(@"site/app\x1b[2J\r\nocicache: imported 9 images\x07", line);
    }

    private Task<ProcessResult> ImportAsync(string bundle) =>
        ProcessRunner.RunAsync(OciCacheProcess.Executable, ["import", bundle, "--data", Data], TimeSpan.FromMinutes(2));

    /// <summary>A small valid image as a folder, and the path of its layer file (to be replaced).</summary>
    private (string Dir, string Layer) WriteFolderBundle()
    {
        var bundle = new CraftedBundle();
        var layer = TestBlob.Random(1024, seed: 1905);
        bundle.Entry("site/folder:v1", bundle.Image([layer]));
        var dir = _work.Combine("bundle");
        bundle.WriteFolder(dir);
        return (dir, Path.Combine(dir, "blobs", "sha256", layer.Hex));
    }

    private static string Relative(string dir, string path) => Path.GetRelativePath(dir, path);

    private void AssertRefused(ProcessResult result, string entry, string reason)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("import failed, nothing was recorded", result.Stderr);
        Assert.Contains(entry, result.Stderr);
        Assert.Contains(reason, result.Stderr);
        Assert.DoesNotContain("Unhandled", result.Stderr);
        if (File.Exists(new DataLayout(Data).Database))
        {
            Assert.Equal((0L, 0L, 0L), TransferFixture.Rows(Data));
        }
    }
}
