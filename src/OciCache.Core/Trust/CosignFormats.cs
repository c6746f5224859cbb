using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// The two signature formats a rule accepts, as pure functions: cosign's simple signing (a payload blob, its
/// signature in the layer annotation) and the Sigstore bundle v0.3 (a message signature or a DSSE envelope).
/// Input is bounded and untrusted: a malformed or oversized signature gives a reason, never an exception.
/// </summary>
/// <remarks>
/// https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md;
/// bundle: https://github.com/sigstore/protobuf-specs (protos/sigstore_bundle.proto, JSON field names);
/// DSSE: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md.
/// </remarks>
public static partial class CosignFormats
{
    public const string SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";
    public const string BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";

    /// <summary>artifactType (and config media type) of cosign's OCI 1.1 signature referrer.</summary>
    public const string CosignArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json";

    /// <summary>critical.type of a cosign simple-signing payload.</summary>
    public const string CosignSignatureType = "cosign container image signature";

    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    /// <summary>Payloads and bundles above this size are refused unread.</summary>
    public const int MaxDocumentBytes = 64 * 1024;

    /// <summary>Signatures per DSSE envelope that are tried at most.</summary>
    public const int MaxEnvelopeSignatures = 16;

    private const string CertificateRefusal =
        "the bundle carries a certificate (Fulcio/Rekor trust), which a rule with keys only does not accept";

    /// <summary>True for cosign's tags of signatures, attestations and SBOMs: <c>sha256-&lt;64 hex&gt;.sig|.att|.sbom</c>.</summary>
    public static bool IsSignatureTag(string tag) => SignatureTagPattern().IsMatch(tag);

    /// <summary>
    /// Checks a simple-signing layer: <paramref name="payload"/> (the layer's blob) must be cosign's payload naming
    /// <paramref name="expected"/> in <c>critical.image.docker-manifest-digest</c>, and <paramref name="base64Signature"/>
    /// (the layer's <see cref="SignatureAnnotation"/>) a signature of it by one of <paramref name="keys"/>.
    /// </summary>
    public static SignatureCheck CheckSimpleSigning(ReadOnlySpan<byte> payload, string? base64Signature, Digest expected, IReadOnlyList<TrustKey> keys)
    {
        if (payload.Length > MaxDocumentBytes)
        {
            return SignatureCheck.Refused($"the signature payload is {payload.Length} bytes, more than the {MaxDocumentBytes} allowed");
        }

        if (string.IsNullOrEmpty(base64Signature))
        {
            return SignatureCheck.Refused($"the signature layer has no {SignatureAnnotation} annotation");
        }

        if (DecodeBase64(base64Signature) is not { } signature)
        {
            return SignatureCheck.Refused($"the {SignatureAnnotation} annotation is not base64");
        }

        string? type;
        string? named;
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            var critical = Property(document.RootElement, "critical");
            type = StringOf(Property(critical, "type"));
            // Go's encoding/json matches names case-insensitively: the spec's own example spells it "Docker-manifest-digest".
            named = StringOf(Property(Property(critical, "image"), "docker-manifest-digest"));
        }
        catch (JsonException e)
        {
            return SignatureCheck.Refused($"the signature payload is not JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // JsonDocument checks a string's UTF-8 only when it is read.
            return SignatureCheck.Refused("the signature payload is not JSON: a string is not UTF-8");
        }

        if (type != CosignSignatureType)
        {
            return SignatureCheck.Refused(type is null
                ? "the signature payload has no critical.type"
                : $"the signature payload's critical.type is \"{Shorten(type)}\", not \"{CosignSignatureType}\"");
        }

        if (named is null)
        {
            return SignatureCheck.Refused("the signature payload has no critical.image.docker-manifest-digest");
        }

        if (named != expected.ToString())
        {
            return SignatureCheck.Refused($"signature names {Shorten(named)} not {expected}");
        }

        return VerifyWithAny(keys, payload, signature, digest: false);
    }

    /// <summary>
    /// Checks a Sigstore bundle v0.3: a message signature whose SHA2_256 digest is <paramref name="expected"/>, or a DSSE
    /// envelope of an in-toto statement with <paramref name="expected"/> among its subjects, signed by one of
    /// <paramref name="keys"/>. A bundle with a certificate is refused: that trust (Fulcio, Rekor) is not a rule's.
    /// </summary>
    public static SignatureCheck CheckBundle(ReadOnlySpan<byte> bundleJson, Digest expected, IReadOnlyList<TrustKey> keys)
    {
        if (bundleJson.Length > MaxDocumentBytes)
        {
            return SignatureCheck.Refused($"the bundle is {bundleJson.Length} bytes, more than the {MaxDocumentBytes} allowed");
        }

        try
        {
            using var document = JsonDocument.Parse(bundleJson.ToArray());
            var root = document.RootElement;
            var mediaType = StringOf(Property(root, "mediaType"));
            if (mediaType is not (BundleMediaType or "application/vnd.dev.sigstore.bundle+json;version=0.3"))
            {
                return SignatureCheck.Refused($"the bundle's mediaType is {(mediaType is null ? "missing" : $"\"{Shorten(mediaType)}\"")}, not {BundleMediaType}");
            }

            var material = Property(root, "verificationMaterial");
            if (Property(material, "certificate") is not null || Property(material, "x509CertificateChain") is not null)
            {
                return SignatureCheck.Refused(CertificateRefusal);
            }

            if (Property(material, "publicKey") is null)
            {
                return SignatureCheck.Refused("the bundle names no public key in its verificationMaterial");
            }

            if (Property(root, "messageSignature") is { } message)
            {
                return CheckMessageSignature(message, expected, keys);
            }

            if (Property(root, "dsseEnvelope") is { } envelope)
            {
                return CheckEnvelope(envelope, expected, keys);
            }

            return SignatureCheck.Refused("the bundle has neither a messageSignature nor a dsseEnvelope");
        }
        catch (JsonException e)
        {
            return SignatureCheck.Refused($"the bundle is not JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            return SignatureCheck.Refused("the bundle is not JSON: a string is not UTF-8");
        }
    }

    private static SignatureCheck CheckMessageSignature(JsonElement message, Digest expected, IReadOnlyList<TrustKey> keys)
    {
        var messageDigest = Property(message, "messageDigest");
        var algorithm = StringOf(Property(messageDigest, "algorithm"));
        if (algorithm != "SHA2_256")
        {
            return SignatureCheck.Refused($"the bundle's message digest is {(algorithm is null ? "missing" : Shorten(algorithm))}, not SHA2_256");
        }

        if (DecodeBase64(StringOf(Property(messageDigest, "digest"))) is not { Length: SHA256.HashSizeInBytes } digest)
        {
            return SignatureCheck.Refused("the bundle's message digest is not 32 bytes of base64");
        }

        var named = Digest.FromHash(Digest.Sha256, digest);
        if (named != expected)
        {
            return SignatureCheck.Refused($"signature names {named} not {expected}");
        }

        if (DecodeBase64(StringOf(Property(message, "signature"))) is not { Length: > 0 } signature)
        {
            return SignatureCheck.Refused("the bundle's message signature is missing or not base64");
        }

        if (keys.Count > 0 && keys.All(k => !k.CanVerifyDigest))
        {
            return SignatureCheck.Refused(
                "the bundle holds a message signature over a digest, which Ed25519 keys cannot verify (Ed25519 signs the whole message)");
        }

        return VerifyWithAny(keys, digest, signature, digest: true);
    }

    private static SignatureCheck CheckEnvelope(JsonElement envelope, Digest expected, IReadOnlyList<TrustKey> keys)
    {
        var payloadType = StringOf(Property(envelope, "payloadType"));
        if (payloadType != InTotoPayloadType)
        {
            return SignatureCheck.Refused($"the DSSE payloadType is {(payloadType is null ? "missing" : $"\"{Shorten(payloadType)}\"")}, not {InTotoPayloadType}");
        }

        if (DecodeBase64(StringOf(Property(envelope, "payload"))) is not { } statement)
        {
            return SignatureCheck.Refused("the DSSE payload is missing or not base64");
        }

        if (!NamesSubject(statement, expected, out var reason))
        {
            return SignatureCheck.Refused(reason);
        }

        if (Property(envelope, "signatures") is not { ValueKind: JsonValueKind.Array } signatures || signatures.GetArrayLength() == 0)
        {
            return SignatureCheck.Refused("the DSSE envelope has no signatures");
        }

        var pae = Pae(payloadType, statement);
        var verifications = 0;
        SignatureCheck last = default;
        foreach (var entry in signatures.EnumerateArray().Take(MaxEnvelopeSignatures))
        {
            if (DecodeBase64(StringOf(Property(entry, "sig"))) is not { Length: > 0 } signature)
            {
                last = SignatureCheck.Refused("a DSSE signature is missing or not base64", verifications);
                continue;
            }

            last = VerifyWithAny(keys, pae, signature, digest: false);
            verifications += last.Verifications;
            if (last.Verified)
            {
                return last with { Verifications = verifications };
            }
        }

        return last with { Verifications = verifications };
    }

    /// <summary>True when the in-toto statement lists <paramref name="expected"/> among its subjects.</summary>
    private static bool NamesSubject(byte[] statement, Digest expected, out string reason)
    {
        try
        {
            using var document = JsonDocument.Parse(statement);
            if (Property(document.RootElement, "subject") is not { ValueKind: JsonValueKind.Array } subjects)
            {
                reason = "the in-toto statement has no subject list";
                return false;
            }

            string? other = null;
            foreach (var subject in subjects.EnumerateArray())
            {
                var hex = StringOf(Property(Property(subject, "digest"), expected.Algorithm));
                if (hex == expected.Encoded)
                {
                    reason = "";
                    return true;
                }

                other ??= hex is null ? null : $"{expected.Algorithm}:{hex}";
            }

            reason = other is null
                ? $"the in-toto statement names no {expected.Algorithm} subject"
                : $"signature names {Shorten(other)} not {expected}";
            return false;
        }
        catch (JsonException e)
        {
            reason = $"the DSSE payload is not JSON: {e.Message}";
            return false;
        }
        catch (InvalidOperationException)
        {
            reason = "the DSSE payload is not JSON: a string is not UTF-8";
            return false;
        }
    }

    private static SignatureCheck VerifyWithAny(IReadOnlyList<TrustKey> keys, ReadOnlySpan<byte> message, byte[] signature, bool digest)
    {
        if (keys.Count == 0)
        {
            return SignatureCheck.Refused("the rule has no keys");
        }

        var tried = new List<string>(keys.Count);
        foreach (var key in keys)
        {
            if (digest && !key.CanVerifyDigest)
            {
                continue;
            }

            tried.Add(key.Name);
            if (digest ? key.VerifyDigest(message, signature) : key.Verify(message, signature))
            {
                return SignatureCheck.By(key, tried.Count);
            }
        }

        return SignatureCheck.Refused($"no key of the rule verifies the signature (tried {string.Join(", ", tried)})", tried.Count);
    }

    /// <summary>DSSE's pre-authentication encoding: <c>"DSSEv1" SP len(type) SP type SP len(body) SP body</c>.</summary>
    internal static byte[] Pae(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        var head = Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} ");
        var middle = Encoding.ASCII.GetBytes($" {payload.Length} ");
        return [.. head, .. type, .. middle, .. payload];
    }

    private static byte[]? DecodeBase64(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var buffer = new byte[value.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }

    /// <summary>The named property of an object, matched case-insensitively like Go's encoding/json; null when absent or not an object.</summary>
    private static JsonElement? Property(JsonElement? element, string name)
    {
        if (element is not { ValueKind: JsonValueKind.Object } value)
        {
            return null;
        }

        if (value.TryGetProperty(name, out var exact))
        {
            return exact;
        }

        foreach (var property in value.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? StringOf(JsonElement? element) => element is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>Untrusted text cut to a length fit for a reason (which reaches logs and a 403 message).</summary>
    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex("^sha256-[0-9a-f]{64}\\.(sig|att|sbom)$", RegexOptions.CultureInvariant)]
    private static partial Regex SignatureTagPattern();
}
