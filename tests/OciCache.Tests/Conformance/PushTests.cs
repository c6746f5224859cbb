using System.Net;
using System.Net.Http.Headers;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Conformance;

/// <summary>The "push" workflow of the OCI conformance suite: end-4a/4b, end-5, end-6, end-7, end-11, end-13.</summary>
public sealed class PushTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task MonolithicPostThenPut_Answers201AndStoresBlob()
    {
        var repo = RegistryFixture.NewRepository("push");
        var blob = TestBlob.Random(50_000, seed: 21);

        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var location = post.Headers.Location!.ToString();
        Assert.StartsWith($"/v2/{repo}/blobs/uploads/", location);
        Assert.NotNull(post.Header("Docker-Upload-UUID"));

        using var put = await _client.PutAsync($"{location}?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/v2/{repo}/blobs/{blob.Digest}", put.Headers.Location!.ToString());
        Assert.Equal(blob.Digest.ToString(), put.Header("Docker-Content-Digest"));

        using var get = await _client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SinglePostWithDigest_Answers201()
    {
        var repo = RegistryFixture.NewRepository("push");
        var blob = TestBlob.Random(1234, seed: 22);

        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal($"/v2/{repo}/blobs/{blob.Digest}", post.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ChunkedPatches_ReportRangesAndCompleteWithPut()
    {
        var repo = RegistryFixture.NewRepository("chunked");
        var blob = TestBlob.Random(30_000, seed: 23);
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();

        for (var offset = 0; offset < blob.Bytes.Length; offset += 10_000)
        {
            var chunk = blob.Bytes.AsSpan(offset, 10_000).ToArray();
            using var patch = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, chunk,
                ("Content-Range", $"{offset}-{offset + chunk.Length - 1}"), ("Content-Type", "application/octet-stream")));
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            Assert.Equal($"0-{offset + chunk.Length - 1}", patch.Header("Range"));
            location = patch.Headers.Location!.ToString();

            using var status = await _client.GetAsync(location);
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal($"0-{offset + chunk.Length - 1}", status.Header("Range"));
        }

        using var put = await _client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var get = await _client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task StreamedPatchWithoutContentRange_IsAccepted()
    {
        var repo = RegistryFixture.NewRepository("streamed");
        var blob = TestBlob.Random(20_000, seed: 24);
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);

        using var patch = await _client.PatchAsync(post.Headers.Location, new ByteArrayContent(blob.Bytes));
        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        Assert.Equal("0-19999", patch.Header("Range"));

        using var put = await _client.PutAsync($"{patch.Headers.Location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task ChunkOutOfOrder_Answers416WithCurrentRange()
    {
        var repo = RegistryFixture.NewRepository("order");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        using var first = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, new byte[100], ("Content-Range", "0-99")));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var gap = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, new byte[100], ("Content-Range", "200-299")));

        await RegistryHttp.AssertOciErrorAsync(gap, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        Assert.Equal("0-99", gap.Header("Range"));
        using var status = await _client.GetAsync(location);
        Assert.Equal("0-99", status.Header("Range"));
    }

    [Theory]
    [InlineData(500, "0-9")] // the probe's case: a body far longer than its range
    [InlineData(10, "0-499")]
    [InlineData(11, "0-9")]
    public async Task ChunkWhoseLengthDisagreesWithRange_Answers416AndStoresNothing(int length, string range)
    {
        var repo = RegistryFixture.NewRepository("range");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();

        using var patch = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, new byte[length], ("Content-Range", range)));

        await RegistryHttp.AssertOciErrorAsync(patch, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        Assert.Equal("0-0", patch.Header("Range"));
        await AssertSessionHoldsNothingAsync(location, post.Header("Docker-Upload-UUID")!);
    }

    [Theory]
    [InlineData(500, "0-9")]
    [InlineData(10, "0-499")]
    public async Task StreamedChunkWhoseLengthDisagreesWithRange_Answers416AndStoresNothing(int length, string range)
    {
        var repo = RegistryFixture.NewRepository("range");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new UnknownLengthContent(new byte[length]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", range);

        using var patch = await _client.SendAsync(request);

        Assert.True(patch.RequestMessage!.Content!.Headers.ContentLength is null, "the chunk went without Content-Length");
        await RegistryHttp.AssertOciErrorAsync(patch, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        await AssertSessionHoldsNothingAsync(location, post.Header("Docker-Upload-UUID")!);
    }

    [Fact]
    public async Task ChunkAfterRefusedChunk_ContinuesFromRecordedSize()
    {
        var repo = RegistryFixture.NewRepository("range");
        var blob = TestBlob.Random(200, seed: 28);
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        using var first = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, blob.Bytes[..100], ("Content-Range", "0-99")));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var refused = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, new byte[500], ("Content-Range", "100-109")));
        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        Assert.Equal("0-99", refused.Header("Range"));

        using var second = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Patch, location, blob.Bytes[100..], ("Content-Range", "100-199")));
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using var put = await _client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    private async Task AssertSessionHoldsNothingAsync(string location, string id)
    {
        using var status = await _client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-0", status.Header("Range"));
        Assert.Equal(0, new FileInfo(new DataLayout(fixture.Server.DataPath).UploadPath(id)).Length);
    }

    [Fact]
    public async Task PutWithWrongDigest_Answers400AndStoresNothing()
    {
        var repo = RegistryFixture.NewRepository("wrong");
        var blob = TestBlob.Random(5000, seed: 25);
        var claimed = TestBlob.Random(5000, seed: 26).Digest;
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();

        using var put = await _client.PutAsync($"{location}?digest={claimed}", new ByteArrayContent(blob.Bytes));

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        foreach (var digest in new[] { claimed, blob.Digest })
        {
            using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/blobs/{digest}"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        var layout = new DataLayout(fixture.Server.DataPath);
        Assert.False(File.Exists(layout.BlobPath(claimed)));
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)));
        using var status = await _client.GetAsync(location);
        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task SinglePostWithWrongDigest_Answers400AndLeavesNoFile()
    {
        var repo = RegistryFixture.NewRepository("wrong");
        var claimed = TestBlob.Random(10, seed: 27).Digest;

        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/?digest={claimed}", new ByteArrayContent(new byte[] { 1, 2, 3 }));

        await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        var layout = new DataLayout(fixture.Server.DataPath);
        Assert.False(File.Exists(layout.BlobPath(claimed)));
        Assert.Empty(Directory.GetFiles(layout.Temp));
    }

    [Fact]
    public async Task PutWithMalformedDigest_Answers400DigestInvalid()
    {
        var repo = RegistryFixture.NewRepository("wrong");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);

        using var put = await _client.PutAsync($"{post.Headers.Location}?digest=sha256:nothex", new ByteArrayContent([1]));

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task CancelUpload_Answers204AndForgetsSession()
    {
        var repo = RegistryFixture.NewRepository("cancel");
        using var post = await _client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();

        using var delete = await _client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var status = await _client.GetAsync(location);
        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task UploadOfAnotherRepository_IsUnknown()
    {
        using var post = await _client.PostAsync($"/v2/{RegistryFixture.NewRepository("mine")}/blobs/uploads/", null);
        var id = post.Header("Docker-Upload-UUID");

        using var status = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("theirs")}/blobs/uploads/{id}");

        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task MalformedUploadId_IsUnknown()
    {
        using var status = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("id")}/blobs/uploads/..%2F..%2Fetc");

        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task MountFromRepositoryHoldingBlob_Answers201()
    {
        var from = RegistryFixture.NewRepository("from");
        var to = RegistryFixture.NewRepository("to");
        var blob = TestBlob.Random(4096, seed: 28);
        await _client.PushBlobAsync(from, blob);

        using var mount = await _client.PostAsync($"/v2/{to}/blobs/uploads/?mount={blob.Digest}&from={from}", null);

        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal($"/v2/{to}/blobs/{blob.Digest}", mount.Headers.Location!.ToString());
        using var get = await _client.GetAsync($"/v2/{to}/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MountOfUnknownBlob_Answers202WithUploadSession()
    {
        var to = RegistryFixture.NewRepository("to");
        var digest = TestBlob.Random(10, seed: 29).Digest;

        using var mount = await _client.PostAsync($"/v2/{to}/blobs/uploads/?mount={digest}&from={RegistryFixture.NewRepository("none")}", null);

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.StartsWith($"/v2/{to}/blobs/uploads/", mount.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ManifestPut_ByTagAndByDigest_Answers201WithLocationAndDigest()
    {
        var repo = RegistryFixture.NewRepository("manifest");
        var image = TestImage.Create(seed: 30);
        foreach (var blob in image.Blobs)
        {
            await _client.PushBlobAsync(repo, blob);
        }

        using var byTag = await _client.PutManifestAsync(repo, "latest", image.Manifest);
        Assert.Equal(HttpStatusCode.Created, byTag.StatusCode);
        Assert.Equal($"/v2/{repo}/manifests/{image.Digest}", byTag.Headers.Location!.ToString());
        Assert.Equal(image.Digest.ToString(), byTag.Header("Docker-Content-Digest"));

        using var byDigest = await _client.PutManifestAsync(repo, image.Digest.ToString(), image.Manifest);
        Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);
    }

    [Fact]
    public async Task ManifestPut_ByWrongDigest_Answers400DigestInvalid()
    {
        var repo = RegistryFixture.NewRepository("manifest");
        var image = TestImage.Create(seed: 31);
        foreach (var blob in image.Blobs)
        {
            await _client.PushBlobAsync(repo, blob);
        }

        using var response = await _client.PutManifestAsync(repo, $"sha256:{new string('c', 64)}", image.Manifest);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task ManifestPut_WithMalformedTag_Answers400ManifestInvalid()
    {
        var repo = RegistryFixture.NewRepository("manifest");
        var image = TestImage.Create(seed: 38);
        foreach (var blob in image.Blobs)
        {
            await _client.PushBlobAsync(repo, blob);
        }

        using var response = await _client.PutManifestAsync(repo, "-badtag", image.Manifest);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task ManifestPut_WithMissingBlob_Answers400ManifestBlobUnknown()
    {
        var repo = RegistryFixture.NewRepository("manifest");
        var image = TestImage.Create(seed: 32);
        await _client.PushBlobAsync(repo, image.Config); // layers missing

        using var response = await _client.PutManifestAsync(repo, "v1", image.Manifest);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        using var get = await _client.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task IndexPut_WithMissingChild_Answers400ManifestBlobUnknown()
    {
        var repo = RegistryFixture.NewRepository("index");
        var index = TestImage.Index(ImageFormat.Oci, TestImage.Create(seed: 33));

        using var response = await _client.PutManifestAsync(repo, "v1", index);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData("{not json", MediaTypes.OciManifest)]
    [InlineData("[]", MediaTypes.OciManifest)]
    [InlineData("""{"schemaVersion":1,"config":{"mediaType":"a","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":[]}""", MediaTypes.OciManifest)]
    [InlineData("""{"schemaVersion":2,"layers":[]}""", MediaTypes.OciManifest)]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:zz","size":1},"layers":[]}""", MediaTypes.OciManifest)]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""", MediaTypes.OciManifest)]
    [InlineData("""{"schemaVersion":2}""", MediaTypes.OciIndex)]
    public async Task MalformedManifest_Answers400ManifestInvalid(string json, string mediaType)
    {
        var repo = RegistryFixture.NewRepository("bad");

        using var response = await _client.PutManifestAsync(repo, "v1", TestBlob.Json(mediaType, json));

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task ManifestOver4MiB_Answers413()
    {
        var repo = RegistryFixture.NewRepository("huge");
        var padding = new string('x', 4 * 1024 * 1024);
        var json = $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[],"annotations":{"pad":"{{padding}}"} }""";

        using var response = await _client.PutManifestAsync(repo, "v1", TestBlob.Json(MediaTypes.OciIndex, json));

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
    }

    [Fact]
    public async Task ManifestWithSubject_AnswersOciSubjectHeader()
    {
        var repo = RegistryFixture.NewRepository("subject");
        var image = TestImage.Create(seed: 34);
        await _client.PushImageAsync(repo, "v1", image);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await _client.PushBlobAsync(repo, empty);
        var referrer = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/example","config":{{empty.DescriptorJson()}},"layers":[{{empty.DescriptorJson()}}],"subject":{{image.Manifest.DescriptorJson()}}}
            """);

        using var response = await _client.PutManifestAsync(repo, referrer.Digest.ToString(), referrer);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(image.Digest.ToString(), response.Header("OCI-Subject"));
    }

    [Theory]
    [InlineData(ImageFormat.Docker)]
    [InlineData(ImageFormat.Oci)]
    public async Task ImageAndIndexOfEitherFormat_AreStoredByteForByteWithMediaType(ImageFormat format)
    {
        var repo = RegistryFixture.NewRepository("formats");
        var amd = TestImage.Create(format, seed: 35, architecture: "amd64");
        var arm = TestImage.Create(format, seed: 36, architecture: "arm64");
        await _client.PushImageAsync(repo, amd.Digest.ToString(), amd);
        await _client.PushImageAsync(repo, arm.Digest.ToString(), arm);
        var index = TestImage.Index(format, amd, arm);
        await _client.PushManifestAsync(repo, "multi", index);

        using var response = await _client.GetAsync($"/v2/{repo}/manifests/multi");

        Assert.Equal(index.Bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(index.MediaType, response.Content.Headers.ContentType?.MediaType);
        using var child = await _client.GetAsync($"/v2/{repo}/manifests/{arm.Digest}");
        Assert.Equal(arm.Manifest.MediaType, child.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ArtifactOfUnknownMediaType_IsStoredAsItIs()
    {
        var repo = RegistryFixture.NewRepository("artifact");
        var artifact = TestBlob.Json("application/vnd.example.thing.v1+json", """{"anything":"goes","n":[1,2,3]}""");

        await _client.PushManifestAsync(repo, "thing", artifact);

        using var response = await _client.GetAsync($"/v2/{repo}/manifests/thing");
        Assert.Equal(artifact.Bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/vnd.example.thing.v1+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ManifestWithoutContentType_UsesBodyMediaType()
    {
        var repo = RegistryFixture.NewRepository("notype");
        var image = TestImage.Create(seed: 37);
        foreach (var blob in image.Blobs)
        {
            await _client.PushBlobAsync(repo, blob);
        }

        var content = new ByteArrayContent(image.Manifest.Bytes);
        using var put = await _client.PutAsync($"/v2/{repo}/manifests/v1", content);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var get = await _client.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(MediaTypes.OciManifest, get.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Content sent with chunked transfer encoding: its length is not known in advance.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
