using System.Formats.Asn1;
using System.Security.Cryptography;

namespace OciCache.Trust;

/// <summary>
/// One public key of a <c>Trust:Policies</c> rule, read from a PEM file: SubjectPublicKeyInfo
/// (<c>PUBLIC KEY</c>, what <c>cosign generate-key-pair</c> and KMS exports write) or PKCS#1
/// (<c>RSA PUBLIC KEY</c>). ECDSA P-256 and P-384, RSA (2048 bits or more; PKCS#1 v1.5 and PSS) and Ed25519.
/// The key's name is its file name without extension (<c>ci.pub</c> is <c>ci</c>). Verification is thread-safe.
/// </summary>
public sealed class TrustKey
{
    /// <summary>A key file larger than this is not a public key.</summary>
    public const int MaxFileBytes = 64 * 1024;

    private const int MinRsaBits = 2048;

    private readonly SignatureVerifier verifier;

    private TrustKey(string name, string path, SignatureVerifier verifier)
    {
        Name = name;
        Path = path;
        this.verifier = verifier;
    }

    public string Name { get; }

    public string Path { get; }

    /// <summary><c>ecdsa-p256</c>, <c>ecdsa-p384</c>, <c>rsa</c> or <c>ed25519</c>.</summary>
    public string Algorithm => verifier.Algorithm;

    /// <summary>False for Ed25519, which signs whole messages and so cannot verify a signature given only a digest.</summary>
    public bool CanVerifyDigest => verifier.CanVerifyDigest;

    /// <summary>Reads one PEM public key file; throws <see cref="TrustKeyException"/> naming the file and what is wrong.</summary>
    public static TrustKey Load(string path)
    {
        string pem;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new TrustKeyException($"the key file {path} does not exist");
            }

            if (info.Length > MaxFileBytes)
            {
                throw new TrustKeyException($"the key file {path} is {info.Length} bytes, more than a public key's {MaxFileBytes}");
            }

            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrustKeyException($"the key file {path} cannot be read: {e.Message}", e);
        }

        return Parse(System.IO.Path.GetFileNameWithoutExtension(path), path, pem);
    }

    /// <summary>
    /// The keys of a rule's <c>Keys</c> entry: the file itself, or every <c>*.pub</c> and <c>*.pem</c> file of the
    /// directory (not its subdirectories), in name order. A directory without any key is an error.
    /// </summary>
    public static IReadOnlyList<TrustKey> LoadAll(string fileOrDirectory)
    {
        if (!Directory.Exists(fileOrDirectory))
        {
            return [Load(fileOrDirectory)];
        }

        string[] files;
        try
        {
            files = Directory.EnumerateFiles(fileOrDirectory)
                .Where(f => f.EndsWith(".pub", StringComparison.Ordinal) || f.EndsWith(".pem", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrustKeyException($"the key directory {fileOrDirectory} cannot be listed: {e.Message}", e);
        }

        if (files.Length == 0)
        {
            throw new TrustKeyException($"the key directory {fileOrDirectory} holds no *.pub or *.pem file");
        }

        return files.Select(Load).ToArray();
    }

    /// <summary>Parses a PEM public key; <paramref name="path"/> only names it in errors.</summary>
    public static TrustKey Parse(string name, string path, string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new TrustKeyException($"the key file {path} is not PEM (expected -----BEGIN PUBLIC KEY-----)");
        }

        var label = pem[fields.Label];
        byte[] der;
        try
        {
            der = Convert.FromBase64String(pem[fields.Base64Data]);
        }
        catch (FormatException e)
        {
            throw new TrustKeyException($"the key file {path} has a PEM block whose base64 is broken", e);
        }

        try
        {
            var verifier = label switch
            {
                "PUBLIC KEY" => FromSubjectPublicKeyInfo(der, path),
                "RSA PUBLIC KEY" => Rsa(der, path),
                _ when label.Contains("PRIVATE KEY", StringComparison.Ordinal) =>
                    throw new TrustKeyException($"the key file {path} holds a private key ({label}); a rule needs the public key (cosign public-key --key …)"),
                _ => throw new TrustKeyException($"the key file {path} holds a {label}, not a PUBLIC KEY or RSA PUBLIC KEY"),
            };
            return new TrustKey(name, path, verifier);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            throw new TrustKeyException($"the key file {path} is not a valid public key: {e.Message}", e);
        }
    }

    /// <summary>
    /// True when <paramref name="signature"/> is a signature of <paramref name="message"/> by this key, in any scheme
    /// the key type allows: ECDSA P-256 over SHA-256, P-384 over SHA-384 or SHA-256 (cosign's default hash), each as
    /// ASN.1 DER or IEEE P1363 r||s; RSA PKCS#1 v1.5 or PSS (any salt length) over SHA-256; Ed25519 (pure).
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => verifier.Verify(message, signature);

    /// <summary>
    /// The same over a message given by its SHA-256 digest (a Sigstore bundle's message signature). Always false
    /// for Ed25519 (see <see cref="CanVerifyDigest"/>).
    /// </summary>
    public bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature) =>
        sha256.Length == SHA256.HashSizeInBytes && verifier.VerifyDigest(sha256, signature);

    public override string ToString() => $"{Name} ({Algorithm}, {Path})";

    private static SignatureVerifier FromSubjectPublicKeyInfo(byte[] der, string path)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var info = reader.ReadSequence();
        var algorithm = info.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var parameter = algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? algorithm.ReadObjectIdentifier() : null;
        var key = info.ReadBitString(out _);
        return oid switch
        {
            "1.2.840.10045.2.1" => Ecdsa(der, parameter, path),
            "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => Rsa(key, path),
            "1.3.101.112" => key.Length == 32
                ? new Ed25519Verifier(key)
                : throw new TrustKeyException($"the key file {path} has an Ed25519 key of {key.Length} bytes, not 32"),
            _ => throw new TrustKeyException($"the key file {path} holds a key of algorithm {oid}; supported are ECDSA P-256/P-384, RSA and Ed25519"),
        };
    }

    private static SignatureVerifier Ecdsa(byte[] der, string? curve, string path)
    {
        var name = curve switch
        {
            "1.2.840.10045.3.1.7" => "ecdsa-p256",
            "1.3.132.0.34" => "ecdsa-p384",
            _ => throw new TrustKeyException($"the key file {path} holds an ECDSA key on curve {curve ?? "(explicit parameters)"}; supported are P-256 and P-384"),
        };
        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(der, out _);
        return new EcdsaVerifier(name, ecdsa);
    }

    private static SignatureVerifier Rsa(ReadOnlySpan<byte> pkcs1, string path)
    {
        var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportRSAPublicKey(pkcs1, out _);
        if (rsa.KeySize < MinRsaBits)
        {
            throw new TrustKeyException($"the key file {path} holds an RSA key of {rsa.KeySize} bits; at least {MinRsaBits} are needed");
        }

        return new RsaVerifier(rsa);
    }
}
