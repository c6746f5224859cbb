using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Testing;

/// <summary>What a Sigstore bundle made by <see cref="Cosign.BundleJsonAsync"/> carries.</summary>
public enum BundleContent
{
    /// <summary>A DSSE envelope around an in-toto statement whose subject is the image (what <c>cosign sign</c> writes in the bundle format).</summary>
    Dsse,

    /// <summary>A message signature: the SHA-256 digest of the signed manifest and a signature over it.</summary>
    MessageSignature,
}

/// <summary>
/// Makes signatures byte for byte as cosign writes them, without cosign: the simple-signing payload, the
/// signature manifest at the <c>sha256-&lt;hex&gt;.sig</c> tag, the OCI 1.1 referrer form, and Sigstore bundles.
/// The field order follows go-containerregistry's structs (Go's encoding/json writes fields in declaration
/// order and map keys sorted), so the manifests hash like cosign's own.
/// </summary>
/// <remarks>
/// Formats: https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md;
/// the referrer forms: cosign's pkg/oci/remote/write.go (WriteSignaturesExperimentalOCI, WriteReferrer);
/// the bundle: sigstore/protobuf-specs, Bundle v0.3 in its JSON mapping.
/// </remarks>
public static class Cosign
{
    public const string OciManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";
    public const string SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";
    public const string SignatureArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json";
    public const string BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";
    public const string InTotoPayloadType = "application/vnd.in-toto+json";
    public const string SignPredicateType = "https://sigstore.dev/cosign/sign/v1";

    /// <summary>The moment written into a bundle referrer's <c>org.opencontainers.image.created</c>: fixed, so artifacts are reproducible.</summary>
    public const string Created = "2026-01-01T00:00:00Z";

    /// <summary>cosign's simple-signing payload (sigstore's payload.Cosign marshalled): compact JSON, <c>"optional":null</c>.</summary>
    public static byte[] SimpleSigningPayload(string dockerReference, Digest manifestDigest) => Encoding.UTF8.GetBytes(
        $$$"""{"critical":{"identity":{"docker-reference":{{{Quote(dockerReference)}}}},"image":{"docker-manifest-digest":"{{{manifestDigest}}}"},"type":"cosign container image signature"},"optional":null}""");

    /// <summary>The tag cosign stores the signatures of <paramref name="signed"/> under: <c>sha256-&lt;hex&gt;.sig</c>.</summary>
    public static string SignatureTag(Digest signed) => $"{signed.Algorithm}-{signed.Encoded}.sig";

    /// <summary>
    /// A signature manifest whose payload names <paramref name="signed"/>, signed by <paramref name="key"/>. With
    /// <paramref name="subject"/> it is the OCI 1.1 referrer form (<c>cosign sign --registry-referrers-mode=oci-1-1</c>):
    /// config media type and artifactType <c>application/vnd.dev.cosign.artifact.sig.v1+json</c>, and a subject.
    /// Only a digest is known here, so the subject says an OCI image manifest of size 0: use the
    /// <see cref="SignatureAsync(CosignKey, string, Digest, TestBlob)"/> overload for the exact descriptor.
    /// </summary>
    public static Task<CosignArtifact> SignatureAsync(CosignKey key, string dockerReference, Digest signed, Digest? subject = null) =>
        SignatureAsync(key, dockerReference, signed, subject is { } s ? SubjectDescriptor(OciManifestMediaType, s, 0) : null);

    /// <summary>The referrer form, attached to exactly <paramref name="subjectManifest"/> (its media type, digest and size).</summary>
    public static Task<CosignArtifact> SignatureAsync(CosignKey key, string dockerReference, Digest signed, TestBlob subjectManifest) =>
        SignatureAsync(key, dockerReference, signed, SubjectDescriptor(subjectManifest.MediaType, subjectManifest.Digest, subjectManifest.Size));

    /// <summary>
    /// A Sigstore bundle referrer of <paramref name="signed"/> as <c>cosign sign</c> writes it in the bundle format: a DSSE
    /// envelope in a layer of the bundle media type, an empty config, and the bundle media type as artifactType.
    /// <paramref name="withCertificate"/> puts a (self-signed) certificate where the key hint was: Fulcio/Rekor trust.
    /// </summary>
    public static Task<CosignArtifact> BundleAsync(CosignKey key, Digest signed, bool withCertificate = false) =>
        BundleAsync(key, signed, SubjectDescriptor(OciManifestMediaType, signed, 0), withCertificate);

    /// <summary>The bundle referrer, attached to exactly <paramref name="subjectManifest"/>.</summary>
    public static Task<CosignArtifact> BundleAsync(CosignKey key, TestBlob subjectManifest, bool withCertificate = false) =>
        BundleAsync(key, subjectManifest.Digest, SubjectDescriptor(subjectManifest.MediaType, subjectManifest.Digest, subjectManifest.Size), withCertificate);

    /// <summary>A Sigstore bundle v0.3 (JSON) over <paramref name="signed"/>, signed by <paramref name="key"/>.</summary>
    public static async Task<byte[]> BundleJsonAsync(CosignKey key, Digest signed, BundleContent content = BundleContent.Dsse, bool withCertificate = false)
    {
        var material = withCertificate
            ? $$$"""{"certificate":{"rawBytes":"{{{Convert.ToBase64String(await key.SelfSignedCertificateAsync())}}}"},"tlogEntries":[],"timestampVerificationData":{}}"""
            : $$$"""{"publicKey":{"hint":"{{{Convert.ToBase64String(SHA256.HashData(key.PublicKeyDer()))}}}"},"tlogEntries":[],"timestampVerificationData":{}}""";
        string body;
        if (content == BundleContent.MessageSignature)
        {
            var hash = Convert.FromHexString(signed.Encoded);
            var signature = await key.SignDigestAsync(hash);
            body = $$$"""
                "messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"{{{Convert.ToBase64String(hash)}}}"},"signature":"{{{Convert.ToBase64String(signature)}}}"}
                """;
        }
        else
        {
            var statement = InTotoStatement(signed);
            var signature = await key.SignAsync(Pae(InTotoPayloadType, statement));
            body = $$$"""
                "dsseEnvelope":{"payload":"{{{Convert.ToBase64String(statement)}}}","payloadType":"{{{InTotoPayloadType}}}","signatures":[{"sig":"{{{Convert.ToBase64String(signature)}}}","keyid":""}]}
                """;
        }

        return Encoding.UTF8.GetBytes($$$"""{"mediaType":"{{{BundleMediaType}}}","verificationMaterial":{{{material}}},{{{body}}}}""");
    }

    /// <summary>An in-toto statement (v1) whose one subject is <paramref name="signed"/>, with cosign's sign predicate.</summary>
    public static byte[] InTotoStatement(Digest signed) => Encoding.UTF8.GetBytes(
        $$$"""{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"image","digest":{"{{{signed.Algorithm}}}":"{{{signed.Encoded}}}"}}],"predicateType":"{{{SignPredicateType}}}","predicate":{}}""");

    /// <summary>DSSE's pre-authentication encoding: <c>"DSSEv1" SP len(type) SP type SP len(body) SP body</c>.</summary>
    public static byte[] Pae(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        return [.. Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} "), .. type, .. Encoding.ASCII.GetBytes($" {payload.Length} "), .. payload];
    }

    /// <summary>Pushes the blobs, then the manifest at <paramref name="reference"/> (a tag or the artifact's digest).</summary>
    public static async Task PushAsync(this HttpClient client, string repository, string reference, CosignArtifact artifact)
    {
        foreach (var blob in artifact.Blobs)
        {
            await client.PushBlobAsync(repository, blob);
        }

        await client.PushManifestAsync(repository, reference, artifact.Manifest);
    }

    private static async Task<CosignArtifact> SignatureAsync(CosignKey key, string dockerReference, Digest signed, string? subject)
    {
        var payload = new TestBlob(SimpleSigningMediaType, SimpleSigningPayload(dockerReference, signed));
        var signature = Convert.ToBase64String(await key.SignAsync(payload.Bytes));
        // go-containerregistry's ConfigFile of the signatures image: zero times, one history entry, the payload as diff_id.
        var config = TestBlob.Json(subject is null ? OciConfigMediaType : SignatureArtifactType,
            $$$"""{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["{{{payload.Digest}}}"]},"config":{}}""");
        var layer = $$$"""{"mediaType":"{{{SimpleSigningMediaType}}}","size":{{{payload.Size}}},"digest":"{{{payload.Digest}}}","annotations":{"{{{SignatureAnnotation}}}":"{{{signature}}}"}}""";
        var referrer = subject is null ? "" : $$$""","subject":{{{subject}}},"artifactType":"{{{SignatureArtifactType}}}" """.TrimEnd();
        var manifest = TestBlob.Json(OciManifestMediaType,
            $$$"""{"schemaVersion":2,"mediaType":"{{{OciManifestMediaType}}}","config":{"mediaType":"{{{config.MediaType}}}","size":{{{config.Size}}},"digest":"{{{config.Digest}}}"},"layers":[{{{layer}}}]{{{referrer}}}}""");
        return new CosignArtifact(manifest, [config, payload]);
    }

    private static async Task<CosignArtifact> BundleAsync(CosignKey key, Digest signed, string subject, bool withCertificate)
    {
        var bundle = new TestBlob(BundleMediaType, await BundleJsonAsync(key, signed, BundleContent.Dsse, withCertificate));
        var config = TestBlob.Json(EmptyMediaType, "{}");
        var manifest = TestBlob.Json(OciManifestMediaType,
            $$$"""{"schemaVersion":2,"mediaType":"{{{OciManifestMediaType}}}","config":{"mediaType":"{{{EmptyMediaType}}}","size":{{{config.Size}}},"digest":"{{{config.Digest}}}","artifactType":"{{{BundleMediaType}}}"},"layers":[{"mediaType":"{{{BundleMediaType}}}","size":{{{bundle.Size}}},"digest":"{{{bundle.Digest}}}"}],"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"{{{SignPredicateType}}}","org.opencontainers.image.created":"{{{Created}}}"},"subject":{{{subject}}},"artifactType":"{{{BundleMediaType}}}"}""");
        return new CosignArtifact(manifest, [config, bundle]);
    }

    private static string SubjectDescriptor(string mediaType, Digest digest, long size) =>
        $$$"""{"mediaType":"{{{mediaType}}}","size":{{{size}}},"digest":"{{{digest}}}"}""";

    private static string Quote(string value) => JsonSerializer.Serialize(value, CosignJson.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CosignJson : System.Text.Json.Serialization.JsonSerializerContext;
