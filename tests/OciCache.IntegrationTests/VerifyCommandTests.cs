using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using OciCache.Storage;

namespace OciCache.IntegrationTests;

/// <summary><c>ocicache verify</c> finds every disagreement between store and metadata, and repairs them.</summary>
public sealed class VerifyCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("verify");
    private TestImage _image = null!;

    private DataLayout Layout => new(_data.Path);

    public async Task InitializeAsync()
    {
        _image = TestImage.Create(layers: 2, seed: 301);
        await using var server = await RegistryServer.StartAsync(dataPath: _data.Path);
        await server.Client.PushImageAsync("verify/app", "v1", _image);
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ConsistentStore_ExitsZero()
    {
        File.WriteAllText(Path.Combine(Layout.Temp, "leftover.part"), "not content");

        var result = await Verify();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ok: 4 blobs", result.Stdout); // config, two layers, manifest
        Assert.Contains("temp files", result.Stdout);
    }

    [Fact]
    public async Task CorruptBlob_IsReported_ThenQuarantinedByRepair()
    {
        var layer = _image.Layers[0];
        var path = Layout.BlobPath(layer.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var report = await Verify();
        Assert.Equal(1, report.ExitCode);
        Assert.Contains($"corrupt blob {layer.Digest}", report.Stdout);

        var repair = await Verify("--repair");
        Assert.Equal(1, repair.ExitCode);
        Assert.Contains("repaired: corrupt blob", repair.Stdout);
        Assert.False(File.Exists(path));
        Assert.Single(Directory.GetFiles(Layout.Quarantine));

        var after = await Verify();
        Assert.True(after.ExitCode == 0, after.ToString());
    }

    [Fact]
    public async Task CorruptBlob_IsOneProblem_NotAlsoAMissingFile()
    {
        var layer = _image.Layers[1];
        var path = Layout.BlobPath(layer.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var report = await Verify();

        Assert.Equal(1, report.ExitCode);
        var problem = Assert.Single(report.Stdout.Split('\n'), l => l.StartsWith("problem:", StringComparison.Ordinal));
        Assert.Contains($"corrupt blob {layer.Digest}", problem);
        Assert.Contains("inconsistent: 1 problem", report.Stdout);
    }

    [Fact]
    public async Task MissingBlobFile_IsADanglingRow_DroppedByRepair()
    {
        File.Delete(Layout.BlobPath(_image.Config.Digest));

        var report = await Verify();
        Assert.Equal(1, report.ExitCode);
        Assert.Contains($"metadata names blob {_image.Config.Digest} but its file is missing", report.Stdout);

        await Verify("--repair");
        Assert.Equal(0, (await Verify()).ExitCode);
    }

    [Fact]
    public async Task FileUnderWrongName_IsReported()
    {
        var other = Layout.BlobPath(TestBlob.Random(10, seed: 302).Digest);
        Directory.CreateDirectory(Path.GetDirectoryName(other)!);
        File.Copy(Layout.BlobPath(_image.Config.Digest), other);

        var report = await Verify();

        Assert.Equal(1, report.ExitCode);
        Assert.Contains("corrupt blob", report.Stdout);
    }

    [Fact]
    public async Task UploadFileWithoutSession_IsReported()
    {
        File.WriteAllText(Layout.UploadPath("00000000000000000000000000000000"), "orphan");

        var report = await Verify();

        Assert.Equal(1, report.ExitCode);
        Assert.Contains("has no session", report.Stdout);
    }

    [Fact]
    public async Task MissingDataFolder_ExitsTwo()
    {
        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", "--data", _data.Combine("nope")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
    }

    /// <summary>
    /// A deleted database comes back empty at the next open: every blob then lacks metadata, which is a lost
    /// database, not interrupted writes (and garbage collection would delete the blobs). Repair keeps them.
    /// </summary>
    [Fact]
    public async Task DeletedDatabase_BlobsWithoutMetadata_AreProblems_KeptByRepair()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Layout.Database + suffix);
        }

        var report = await Verify();

        Assert.True(report.ExitCode == 1, report.ToString());
        Assert.Contains($"problem: blob {_image.Layers[0].Digest} has no metadata", report.Stdout);
        Assert.Contains("inconsistent: 4 problems", report.Stdout);

        var repair = await Verify("--repair");
        Assert.Equal(1, repair.ExitCode);
        Assert.True(File.Exists(Layout.BlobPath(_image.Layers[0].Digest)));
    }

    /// <summary>
    /// verify streams its work: 100,000 blobs with their rows, 1,000 files without a row (notes) and 1,000 rows
    /// without a file (problems) are all checked and reported under a 24 MiB heap, far less than holding every
    /// row, file or report line at once would take.
    /// </summary>
    [Fact]
    public async Task HundredThousandBlobs_AreVerifiedInBoundedMemory()
    {
        const int Stored = 100_000;
        const int Unrecorded = 1_000;
        const int Missing = 1_000;
        using (var connection = new SqliteConnection($"Data Source={Layout.Database};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO blobs (digest, size, created_at, last_access) VALUES ($digest, 8, 0, 0)";
            var digest = insert.Parameters.Add("$digest", SqliteType.Text);
            var bytes = new byte[8];
            for (var i = 0; i < Stored + Unrecorded + Missing; i++)
            {
                BitConverter.TryWriteBytes(bytes, (long)i);
                var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (i < Stored + Unrecorded)
                {
                    var path = Path.Combine(Layout.Blobs, "sha256", hex[..2], hex);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllBytes(path, bytes);
                }

                if (i < Stored || i >= Stored + Unrecorded)
                {
                    digest.Value = $"sha256:{hex}";
                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }

        var report = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", "--data", _data.Path], TimeSpan.FromMinutes(10),
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "1800000" }); // hex: 24 MiB

        Assert.True(report.ExitCode == 1, report.ToString()[..Math.Min(4000, report.ToString().Length)]);
        Assert.Contains($"inconsistent: {Missing} problems in {Stored + Unrecorded + 4} blobs", report.Stdout);
        Assert.Equal(Missing, report.Stdout.Split('\n').Count(l => l.StartsWith("problem: metadata names blob", StringComparison.Ordinal)));
        Assert.Equal(Unrecorded, report.Stdout.Split('\n').Count(l => l.StartsWith("note: blob", StringComparison.Ordinal)));
    }

    private Task<ProcessResult> Verify(params string[] extra) =>
        ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", "--data", _data.Path, .. extra], TimeSpan.FromMinutes(1));
}
