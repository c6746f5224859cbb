using System.Net;
using OciCache.Oci;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// Sneakernet: images exported from one cache's store, carried as a folder or a tar, imported into another
/// cache that has no upstream, and pulled there by containerd under their original names.
/// </summary>
public sealed class ExportImportTests(TransferFixture fixture) : IClassFixture<TransferFixture>
{
    [Fact]
    public async Task ExportToDirAndTar_ImportTarIntoEmptyCacheWithNoUpstream_CtrPullsByOriginalName()
    {
        using var work = new TempDirectory("transfer");
        var dir = work.Combine("bundle");
        var tar = work.Combine("bundle.tar");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, TransferFixture.LocalImage, "--to", dir, "--data", fixture.Source.DataPath);
        var exported = await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, TransferFixture.LocalImage, "--to", tar, "--data", fixture.Source.DataPath);
        Assert.Contains("exported 2 images", exported.Stdout);

        // skopeo reads the layout by the full reference it is named with.
        var raw = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--raw", $"oci:{dir}:{TransferFixture.MirrorImage}");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(fixture.Index.Bytes), raw.TrimEnd('\n'));
        var inspected = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", $"oci:{dir}:{TransferFixture.LocalImage}");
        Assert.Contains(fixture.Local.Layers[0].Digest.ToString(), inspected);

        // The server keeps running while the import loads its data folder.
        using var data = new TempDirectory("transfer-target");
        await using var target = await TransferFixture.StartOfflineCacheAsync(data.Path);
        var imported = await TransferFixture.OciCacheCheckedAsync("import", tar, "--data", data.Path);
        Assert.Contains("imported 2 images", imported.Stdout);

        await using var containerd = await Containerd.StartAsync();
        containerd.WriteHostsToml("docker.io", $"http://127.0.0.1:{OciCacheProcess.FreePort()}", ($"http://{target.Host}", "\"pull\", \"resolve\""));
        await containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", TransferFixture.MirrorImage);
        var listed = await containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(TransferFixture.MirrorImage, listed);
        Assert.Contains(fixture.Index.Digest.ToString(), listed);
        var content = await containerd.CtrCheckedAsync("content", "ls", "-q");
        Assert.All(fixture.Host.Blobs, b => Assert.Contains(b.Digest.ToString(), content)); // containerd verified each against its digest

        // Both platforms, and the local image, are served by their usual names.
        foreach (var image in new[] { fixture.Host, fixture.Other })
        {
            await TransferFixture.AssertServedAsync(target.Client, $"/v2/library/multi/manifests/{image.Digest}?ns=docker.io", image.Manifest.Bytes);
            foreach (var blob in image.Blobs)
            {
                Assert.Equal(blob.Bytes, await target.Client.GetByteArrayAsync($"/v2/library/multi/blobs/{blob.Digest}?ns=docker.io"));
            }
        }

        await TransferFixture.AssertServedAsync(target.Client, "/v2/site/app/manifests/v1", fixture.Local.Manifest.Bytes);
    }

    [Fact]
    public async Task ExportWithPlatform_HoldsOnlyThatPlatform_ImportServesIt()
    {
        using var work = new TempDirectory("transfer");
        var dir = work.Combine("bundle");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, "--platform", fixture.OtherPlatform, "--to", dir, "--data", fixture.Source.DataPath);

        var files = Directory.GetFiles(Path.Combine(dir, "blobs", "sha256")).Select(f => Path.GetFileName(f)!).ToHashSet();
        var expected = fixture.Other.Blobs.Append(fixture.Other.Manifest).Append(fixture.Index).Select(b => b.Hex).ToHashSet();
        Assert.Equal(expected, files);
        var raw = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--raw", $"oci:{dir}:{TransferFixture.MirrorImage}");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(fixture.Index.Bytes), raw.TrimEnd('\n')); // the index keeps its bytes and digest

        using var data = new TempDirectory("transfer-target");
        await TransferFixture.OciCacheCheckedAsync("import", dir, "--data", data.Path);
        await using var target = await TransferFixture.StartOfflineCacheAsync(data.Path);
        await TransferFixture.AssertServedAsync(target.Client, "/v2/library/multi/manifests/1.27?ns=docker.io", fixture.Index.Bytes);

        // skopeo copies the exported platform out of the partial layout when asked for that platform only.
        await ProcessRunner.RunCheckedAsync("skopeo", "copy", "--override-arch", fixture.Other.Architecture, "--dest-tls-verify=false",
            $"oci:{dir}:{TransferFixture.MirrorImage}", $"docker://{target.Host}/copied/multi:other");
        await TransferFixture.AssertServedAsync(target.Client, "/v2/copied/multi/manifests/other", fixture.Other.Manifest.Bytes);
        await TransferFixture.AssertServedAsync(target.Client, $"/v2/library/multi/manifests/{fixture.Other.Digest}?ns=docker.io", fixture.Other.Manifest.Bytes);
        foreach (var blob in fixture.Other.Blobs)
        {
            Assert.Equal(blob.Bytes, await target.Client.GetByteArrayAsync($"/v2/library/multi/blobs/{blob.Digest}?ns=docker.io"));
        }

        using var missing = await target.Client.GetAsync($"/v2/library/multi/manifests/{fixture.Host.Digest}?ns=docker.io");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("hash mismatch")]
    public async Task Import_DamagedTar_IsRefusedNamingTheBlob_AndRecordsNothing(string damage)
    {
        using var work = new TempDirectory("transfer");
        var tar = work.Combine("bundle.tar");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, "--to", tar, "--data", fixture.Source.DataPath);
        var bytes = await File.ReadAllBytesAsync(tar);
        var layer = fixture.Other.Layers[1];
        var offset = bytes.AsSpan().IndexOf(layer.Bytes.AsSpan(0, 4096));
        Assert.True(offset > 0, "the layer's bytes are not in the tar");
        if (damage == "truncated")
        {
            bytes = bytes[..(offset + layer.Bytes.Length / 2)];
        }
        else
        {
            bytes[offset + layer.Bytes.Length / 2] ^= 0x01;
        }

        await File.WriteAllBytesAsync(tar, bytes);

        // A cache that already holds another image: it must keep exactly that.
        using var data = new TempDirectory("transfer-target");
        var dir = work.Combine("local");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.LocalImage, "--to", dir, "--data", fixture.Source.DataPath);
        await TransferFixture.OciCacheCheckedAsync("import", dir, "--data", data.Path);
        var before = TransferFixture.Rows(data.Path);

        var result = await TransferFixture.OciCacheAsync("import", tar, "--data", data.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(layer.Digest.ToString(), result.Stderr);
        Assert.Contains(damage, result.Stderr);
        Assert.Equal(before, TransferFixture.Rows(data.Path));
        await TransferFixture.OciCacheCheckedAsync("verify", "--data", data.Path);
    }

    [Fact]
    public async Task Import_Twice_SecondChangesNothing()
    {
        using var work = new TempDirectory("transfer");
        var dir = work.Combine("bundle");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, TransferFixture.LocalImage, "--to", dir, "--data", fixture.Source.DataPath);
        using var data = new TempDirectory("transfer-target");
        var first = await TransferFixture.OciCacheCheckedAsync("import", dir, "--data", data.Path);
        var rows = TransferFixture.Rows(data.Path);

        var second = await TransferFixture.OciCacheCheckedAsync("import", dir, "--data", data.Path);

        Assert.Contains("4 manifests stored, 0 already present", first.Stdout);
        Assert.Contains("0 manifests stored, 4 already present, 0 blobs linked", second.Stdout);
        Assert.Equal(rows, TransferFixture.Rows(data.Path));
        Assert.Single(second.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // no terminal: one summary line
        await TransferFixture.OciCacheCheckedAsync("verify", "--data", data.Path);
    }

    [Fact]
    public async Task Export_ImageNotInTheStore_FailsNamingIt_AndLeavesNothing()
    {
        using var work = new TempDirectory("transfer");
        var tar = work.Combine("bundle.tar");

        var result = await TransferFixture.OciCacheAsync("export", TransferFixture.MirrorImage, "docker.io/library/multi:9.9", "--to", tar, "--data", fixture.Source.DataPath);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("docker.io/library/multi:9.9 is not in the store", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task Export_OnATerminal_ShowsBytesBlobsAndRate()
    {
        using var work = new TempDirectory("transfer");
        var command = $"{OciCacheProcess.Executable} export {TransferFixture.MirrorImage} --to {work.Combine("b.tar")} --data {fixture.Source.DataPath}";

        var result = await ProcessRunner.RunAsync("script", ["-qec", command, "/dev/null"], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"exported [\d.]+ (B|KiB|MiB) / [\d.]+ (B|KiB|MiB), \d+/9 blobs, [\d.]+ (B|KiB|MiB|GiB)/s", result.Stdout);
    }

    [Fact]
    public async Task Import_OnATerminal_ShowsBytesBlobsAndRate()
    {
        using var work = new TempDirectory("transfer");
        var tar = work.Combine("b.tar");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, "--to", tar, "--data", fixture.Source.DataPath);
        var command = $"{OciCacheProcess.Executable} import {tar} --data {work.Combine("data")}";

        var result = await ProcessRunner.RunAsync("script", ["-qec", command, "/dev/null"], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"verified [\d.]+ (B|KiB|MiB) / [\d.]+ (B|KiB|MiB), 9 blobs, [\d.]+ (B|KiB|MiB|GiB)/s", result.Stdout);
    }

    [Fact]
    public async Task ExportWithReferrers_CarriesThem_ImportListsThemForTheirSubject()
    {
        using var work = new TempDirectory("transfer");
        var tar = work.Combine("b.tar");
        var plain = await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.LocalImage, "--to", work.Combine("plain"), "--data", fixture.Source.DataPath);
        var exported = await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.LocalImage, "--referrers", "--to", tar, "--data", fixture.Source.DataPath);
        Assert.Contains("0 referrers", plain.Stdout);
        Assert.Contains("1 referrers", exported.Stdout);

        using var data = new TempDirectory("transfer-target");
        await TransferFixture.OciCacheCheckedAsync("import", tar, "--data", data.Path);
        await using var target = await TransferFixture.StartOfflineCacheAsync(data.Path);

        var referrers = await target.Client.GetStringAsync($"/v2/site/app/referrers/{fixture.Local.Digest}");
        Assert.Contains(fixture.Referrer.Digest.ToString(), referrers);
        await TransferFixture.AssertServedAsync(target.Client, $"/v2/site/app/manifests/{fixture.Referrer.Digest}", fixture.Referrer.Bytes);
    }
}
