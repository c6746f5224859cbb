using System.Text;
using System.Text.Json;
using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

/// <summary>
/// Pins what cosign writes, with the literals of the published spec (sigstore/cosign specs/SIGNATURE_SPEC.md, its
/// pkg/oci/remote/write.go for the OCI 1.1 forms, sigstore/protobuf-specs for the bundle), against both the
/// verifier's constants and the TestSupport signer the other trust tests sign with. A renamed field, media type or
/// annotation key on either side fails here.
/// </summary>
public sealed class CosignSpecTests(SigningKeys keys) : IClassFixture<SigningKeys>
{
    // The spec's example of tag-based discovery.
    private static readonly Digest SpecDigest = Digest.Parse("sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36");

    [Fact]
    public void SimpleSigningPayload_IsCosignsBytes()
    {
        var payload = Cosign.SimpleSigningPayload("gcr.io/dlorenc-vmtest2/demo", SpecDigest);

        Assert.Equal(
            """{"critical":{"identity":{"docker-reference":"gcr.io/dlorenc-vmtest2/demo"},"image":{"docker-manifest-digest":"sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36"},"type":"cosign container image signature"},"optional":null}""",
            Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public void MediaTypesAndAnnotationKeys_AreTheSpecs()
    {
        Assert.Equal("application/vnd.dev.cosign.simplesigning.v1+json", CosignFormats.SimpleSigningMediaType);
        Assert.Equal("dev.cosignproject.cosign/signature", CosignFormats.SignatureAnnotation);
        Assert.Equal("application/vnd.dev.sigstore.bundle.v0.3+json", CosignFormats.BundleMediaType);
        Assert.Equal("application/vnd.dev.cosign.artifact.sig.v1+json", CosignFormats.CosignArtifactType);
        Assert.Equal("cosign container image signature", CosignFormats.CosignSignatureType);
        Assert.Equal("application/vnd.in-toto+json", CosignFormats.InTotoPayloadType);

        Assert.Equal(CosignFormats.SimpleSigningMediaType, Cosign.SimpleSigningMediaType);
        Assert.Equal(CosignFormats.SignatureAnnotation, Cosign.SignatureAnnotation);
        Assert.Equal(CosignFormats.BundleMediaType, Cosign.BundleMediaType);
        Assert.Equal(CosignFormats.CosignArtifactType, Cosign.SignatureArtifactType);
    }

    [Fact]
    public void SignatureTag_IsTheSpecsEncoding()
    {
        Assert.Equal("sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.sig", Cosign.SignatureTag(SpecDigest));
        Assert.True(CosignFormats.IsSignatureTag(Cosign.SignatureTag(SpecDigest)));
    }

    [Fact]
    public async Task SignatureAsync_TagForm_IsCosignsManifest()
    {
        var artifact = await Cosign.SignatureAsync(keys[CosignKeyType.EcdsaP256], "gcr.io/dlorenc-vmtest2/demo", SpecDigest);
        using var manifest = JsonDocument.Parse(artifact.Manifest.Bytes);
        var root = manifest.RootElement;
        var payload = artifact.Blobs.Single(b => b.MediaType == "application/vnd.dev.cosign.simplesigning.v1+json");
        var config = artifact.Blobs.Single(b => b != payload);

        Assert.Equal("application/vnd.oci.image.manifest.v1+json", artifact.Manifest.MediaType);
        Assert.Equal(["schemaVersion", "mediaType", "config", "layers"], Names(root));
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", root.GetProperty("mediaType").GetString());
        Assert.Equal(["mediaType", "size", "digest"], Names(root.GetProperty("config")));
        Assert.Equal("application/vnd.oci.image.config.v1+json", root.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal(config.Digest.ToString(), root.GetProperty("config").GetProperty("digest").GetString());
        Assert.Equal(
            $$$"""{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["{{{payload.Digest}}}"]},"config":{}}""",
            Encoding.UTF8.GetString(config.Bytes));
        var layer = Assert.Single(root.GetProperty("layers").EnumerateArray());
        Assert.Equal(["mediaType", "size", "digest", "annotations"], Names(layer));
        Assert.Equal("application/vnd.dev.cosign.simplesigning.v1+json", layer.GetProperty("mediaType").GetString());
        Assert.Equal(payload.Size, layer.GetProperty("size").GetInt64());
        Assert.Equal(payload.Digest.ToString(), layer.GetProperty("digest").GetString());
        Assert.Equal(["dev.cosignproject.cosign/signature"], Names(layer.GetProperty("annotations")));

        var signature = layer.GetProperty("annotations").GetProperty("dev.cosignproject.cosign/signature").GetString();
        Assert.True(CosignFormats.CheckSimpleSigning(payload.Bytes, signature, SpecDigest, [keys.Trusted(CosignKeyType.EcdsaP256)]).Verified);
        Assert.Equal(Digest.ComputeSha256(artifact.Manifest.Bytes), artifact.Digest);
    }

    [Fact]
    public async Task SignatureAsync_ReferrerForm_AddsSubjectAndCosignsArtifactType()
    {
        var subject = TestImage.Create(layers: 1, layerBytes: 16).Manifest;
        var artifact = await Cosign.SignatureAsync(keys[CosignKeyType.EcdsaP256], "site/app", subject.Digest, subject);
        using var manifest = JsonDocument.Parse(artifact.Manifest.Bytes);
        var root = manifest.RootElement;

        Assert.Equal(["schemaVersion", "mediaType", "config", "layers", "subject", "artifactType"], Names(root));
        Assert.Equal("application/vnd.dev.cosign.artifact.sig.v1+json", root.GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.dev.cosign.artifact.sig.v1+json", root.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal(subject.Digest.ToString(), root.GetProperty("subject").GetProperty("digest").GetString());
        Assert.Equal(subject.Size, root.GetProperty("subject").GetProperty("size").GetInt64());
        Assert.Equal(subject.MediaType, root.GetProperty("subject").GetProperty("mediaType").GetString());
        Assert.Equal("application/vnd.dev.cosign.simplesigning.v1+json", root.GetProperty("layers")[0].GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task BundleAsync_IsCosignsBundleReferrer()
    {
        var subject = TestImage.Create(layers: 1, layerBytes: 16).Manifest;
        var artifact = await Cosign.BundleAsync(keys[CosignKeyType.EcdsaP256], subject);
        using var manifest = JsonDocument.Parse(artifact.Manifest.Bytes);
        var root = manifest.RootElement;
        var config = root.GetProperty("config");

        Assert.Equal(["schemaVersion", "mediaType", "config", "layers", "annotations", "subject", "artifactType"], Names(root));
        Assert.Equal("application/vnd.dev.sigstore.bundle.v0.3+json", root.GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.oci.empty.v1+json", config.GetProperty("mediaType").GetString());
        // The OCI image spec's empty descriptor: the two bytes "{}".
        Assert.Equal("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", config.GetProperty("digest").GetString());
        Assert.Equal("application/vnd.dev.sigstore.bundle.v0.3+json", root.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        Assert.Equal("dsse-envelope", root.GetProperty("annotations").GetProperty("dev.sigstore.bundle.content").GetString());
        Assert.Equal("https://sigstore.dev/cosign/sign/v1", root.GetProperty("annotations").GetProperty("dev.sigstore.bundle.predicateType").GetString());
        Assert.Equal(subject.Digest.ToString(), root.GetProperty("subject").GetProperty("digest").GetString());
    }

    [Fact]
    public async Task BundleJson_UsesProtobufSpecsFieldNames()
    {
        using var dsse = JsonDocument.Parse(await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], SpecDigest, BundleContent.Dsse));
        using var message = JsonDocument.Parse(await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], SpecDigest, BundleContent.MessageSignature));
        using var certified = JsonDocument.Parse(await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], SpecDigest, withCertificate: true));

        Assert.Equal(["mediaType", "verificationMaterial", "dsseEnvelope"], Names(dsse.RootElement));
        Assert.Equal("application/vnd.dev.sigstore.bundle.v0.3+json", dsse.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal(JsonValueKind.String, dsse.RootElement.GetProperty("verificationMaterial").GetProperty("publicKey").GetProperty("hint").ValueKind);
        var envelope = dsse.RootElement.GetProperty("dsseEnvelope");
        Assert.Equal(["payload", "payloadType", "signatures"], Names(envelope));
        Assert.Equal("application/vnd.in-toto+json", envelope.GetProperty("payloadType").GetString());
        Assert.Equal(["sig", "keyid"], Names(envelope.GetProperty("signatures")[0]));
        using var statement = JsonDocument.Parse(Convert.FromBase64String(envelope.GetProperty("payload").GetString()!));
        Assert.Equal("https://in-toto.io/Statement/v1", statement.RootElement.GetProperty("_type").GetString());
        Assert.Equal(SpecDigest.Encoded, statement.RootElement.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString());

        var signature = message.RootElement.GetProperty("messageSignature");
        Assert.Equal(["messageDigest", "signature"], Names(signature));
        Assert.Equal(["algorithm", "digest"], Names(signature.GetProperty("messageDigest")));
        Assert.Equal("SHA2_256", signature.GetProperty("messageDigest").GetProperty("algorithm").GetString());
        Assert.Equal(Convert.FromHexString(SpecDigest.Encoded), signature.GetProperty("messageDigest").GetProperty("digest").GetBytesFromBase64());

        var material = certified.RootElement.GetProperty("verificationMaterial");
        Assert.False(material.TryGetProperty("publicKey", out _));
        Assert.True(material.GetProperty("certificate").GetProperty("rawBytes").GetBytesFromBase64().Length > 100);
    }

    [Fact]
    public async Task Artifacts_AreManifestsTheRegistryAcceptsWithEveryBlobTheyName()
    {
        var subject = TestImage.Create(layers: 1, layerBytes: 16).Manifest;
        var key = keys[CosignKeyType.EcdsaP256];
        (CosignArtifact Artifact, string ArtifactType, Digest? Subject)[] cases =
        [
            (await Cosign.SignatureAsync(key, "site/app", subject.Digest), "application/vnd.oci.image.config.v1+json", null),
            (await Cosign.SignatureAsync(key, "site/app", subject.Digest, subject), "application/vnd.dev.cosign.artifact.sig.v1+json", subject.Digest),
            (await Cosign.SignatureAsync(key, "site/app", subject.Digest, subject.Digest), "application/vnd.dev.cosign.artifact.sig.v1+json", subject.Digest),
            (await Cosign.BundleAsync(key, subject), "application/vnd.dev.sigstore.bundle.v0.3+json", subject.Digest),
            (await Cosign.BundleAsync(key, subject.Digest), "application/vnd.dev.sigstore.bundle.v0.3+json", subject.Digest),
        ];

        foreach (var (artifact, artifactType, subjectDigest) in cases)
        {
            var manifest = ManifestDocument.Parse(artifact.Manifest.Bytes, artifact.Manifest.MediaType);

            Assert.Equal(artifactType, manifest.ArtifactType);
            Assert.Equal(subjectDigest, manifest.Subject?.Digest);
            Assert.Equal(artifact.Blobs.Select(b => b.Digest.ToString()).Order(), manifest.RequiredBlobs.Select(d => d.Digest.ToString()).Order());
            Assert.All(manifest.RequiredBlobs, d => Assert.Equal(artifact.Blobs.Single(b => b.Digest == d.Digest).Size, d.Size));
        }
    }

    [Fact]
    public void DssePae_IsTheProtocolsEncoding()
    {
        // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
        Assert.Equal("DSSEv1 29 http://example.com/HelloWorld 11 hello world", Encoding.UTF8.GetString(Cosign.Pae("http://example.com/HelloWorld", "hello world"u8.ToArray())));
        Assert.Equal(Cosign.Pae("application/vnd.in-toto+json", [1, 2, 3]), CosignFormats.Pae("application/vnd.in-toto+json", [1, 2, 3]));
    }

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}
