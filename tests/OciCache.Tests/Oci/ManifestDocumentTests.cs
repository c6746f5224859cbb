using OciCache.Oci;

namespace OciCache.Tests.Oci;

public sealed class ManifestDocumentTests
{
    private const string Empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    [Fact]
    public void Parse_ImageManifest_ExtractsConfigLayersAndArtifactType()
    {
        var image = TestImage.Create(layers: 2, layerBytes: 100, seed: 1);

        var doc = ManifestDocument.Parse(image.Manifest.Bytes, image.Manifest.MediaType);

        Assert.Equal(MediaTypes.OciManifest, doc.MediaType);
        Assert.Equal(image.Config.Digest, doc.Config!.Digest);
        Assert.Equal(image.Layers.Select(l => l.Digest), doc.Layers.Select(l => l.Digest));
        Assert.Equal(image.Config.MediaType, doc.ArtifactType);
        Assert.Equal(3, doc.RequiredBlobs.Count());
    }

    [Fact]
    public void Parse_Index_ReadsChildrenWithPlatforms()
    {
        var amd = TestImage.Create(seed: 1, architecture: "amd64");
        var arm = TestImage.Create(seed: 2, architecture: "arm64");
        var index = TestImage.Index(ImageFormat.Docker, amd, arm);

        var doc = ManifestDocument.Parse(index.Bytes, null);

        Assert.Equal(MediaTypes.DockerManifestList, doc.MediaType);
        Assert.Equal(["linux/amd64", "linux/arm64"], doc.Manifests.Select(m => m.Platform!.ToString()));
        Assert.Empty(doc.RequiredBlobs);
    }

    [Fact]
    public void Parse_SubjectAndExplicitArtifactType_AreRead()
    {
        var json = $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/x",
             "config":{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{Empty}}","size":2},"layers":[],
             "subject":{"mediaType":"{{MediaTypes.OciManifest}}","digest":"{{Empty}}","size":2},"annotations":{"a":"b"} }
            """;

        var doc = ManifestDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest);

        Assert.Equal("application/x", doc.ArtifactType);
        Assert.Equal(Empty, doc.Subject!.Digest.ToString());
        Assert.Equal("""{"a":"b"}""", doc.AnnotationsJson);
    }

    [Fact]
    public void Parse_NonDistributableLayers_AreNotRequired()
    {
        var json = $$"""
            {"schemaVersion":2,"config":{"mediaType":"c","digest":"{{Empty}}","size":2},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":"sha256:{{new string('1', 64)}}","size":5,"urls":["https://example"]}]}
            """;

        var doc = ManifestDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest);

        Assert.Equal([Empty], doc.RequiredBlobs.Select(b => b.Digest.ToString()));
    }

    [Fact]
    public void Parse_Schema1_IsAcceptedWithoutInspection()
    {
        var doc = ManifestDocument.Parse("""{"schemaVersion":1,"name":"x","fsLayers":[]}"""u8.ToArray(), MediaTypes.DockerSchema1Signed);

        Assert.Equal(MediaTypes.DockerSchema1Signed, doc.MediaType);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"c","digest":"sha256:00","size":1},"layers":[]}""", "config.digest")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"c","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":-1},"layers":[]}""", "config.size")]
    [InlineData("""{"schemaVersion":2,"config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":[]}""", "config.mediaType")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"c","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":{}}""", "layers")]
    public void Parse_BadDescriptor_NamesTheField(string json, string field)
    {
        var error = Assert.Throws<FailureException>(() => ManifestDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest));

        Assert.IsType<ManifestInvalid>(error.Failure);
        Assert.Contains(field, error.Failure.Detail);
    }

    /// <summary>A manifest whose <paramref name="where"/> string holds bytes that are not UTF-8 (0xFF) or a lone surrogate escape.</summary>
    private static byte[] WithBadText(string where, byte[] bad)
    {
        var json = $$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.OciManifest}}}",
             "config":{"mediaType":"{{{(where == "config" ? "@" : MediaTypes.OciEmpty)}}}","digest":"{{{Empty}}}","size":2},"layers":[],
             "annotations":{"{{{(where == "key" ? "@" : "k")}}}":"{{{(where == "value" ? "@" : "v")}}}"}}
            """;
        var bytes = System.Text.Encoding.UTF8.GetBytes(json).ToList();
        var at = bytes.IndexOf((byte)'@');
        bytes.RemoveAt(at);
        bytes.InsertRange(at, bad);
        return [.. bytes];
    }

    [Theory]
    [InlineData("config", new byte[] { 0xFF })]
    [InlineData("key", new byte[] { 0xC3 })]
    [InlineData("value", new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate: not UTF-8
    [InlineData("value", new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0' })] // lone surrogate escape
    [InlineData("config", new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'c', (byte)'0', (byte)'0' })]
    public void Parse_InvalidText_IsManifestInvalid(string where, byte[] bad)
    {
        var e = Assert.Throws<FailureException>(() => ManifestDocument.Parse(WithBadText(where, bad), MediaTypes.OciManifest));

        Assert.IsType<ManifestInvalid>(e.Failure);
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest, true)]
    [InlineData(MediaTypes.DockerManifestList, true)]
    [InlineData(MediaTypes.DockerSchema1Signed, true)]
    [InlineData("application/vnd.example.thing.v1+json", true)]
    [InlineData("application/json", true)]
    [InlineData("text/html", false)]
    [InlineData("image/svg+xml", false)]
    [InlineData("application/xhtml+xml", false)]
    [InlineData("text/json", false)]
    [InlineData("application/vnd.example+json\n", false)]
    public void IsManifest_OnlyManifestAndJsonArtifactTypes(string mediaType, bool manifest) =>
        Assert.Equal(manifest, MediaTypes.IsManifest(mediaType));

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public void Parse_NonManifestMediaType_IsManifestInvalid(string contentType)
    {
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 3);

        var e = Assert.Throws<FailureException>(() => ManifestDocument.Parse(image.Manifest.Bytes, contentType));

        Assert.IsType<ManifestInvalid>(e.Failure);
    }
}
