using System.Security.Cryptography;

namespace OciCache.Testing;

public enum CosignKeyType
{
    EcdsaP256,
    EcdsaP384,
    Rsa,
    RsaPss,
    Ed25519,
}

/// <summary>
/// A signing key pair made with the openssl CLI in a directory the test owns: <c>&lt;name&gt;.key</c> (PKCS#8,
/// unencrypted) and <c>&lt;name&gt;.pub</c> (PEM SubjectPublicKeyInfo, what <c>cosign public-key</c> writes).
/// Signatures are made by openssl too, so the verifier is never checked against itself.
/// </summary>
public sealed class CosignKey
{
    private CosignKey(string name, string publicKeyPath, string privateKeyPath, CosignKeyType type)
    {
        Name = name;
        PublicKeyPath = publicKeyPath;
        PrivateKeyPath = privateKeyPath;
        Type = type;
    }

    /// <summary>The key's name as a rule sees it: the public key file's name without its extension.</summary>
    public string Name { get; }

    public string PublicKeyPath { get; }

    public string PrivateKeyPath { get; }

    public CosignKeyType Type { get; }

    public static async Task<CosignKey> CreateAsync(string directory, string name = "cosign", CosignKeyType type = CosignKeyType.EcdsaP256)
    {
        Directory.CreateDirectory(directory);
        var privateKey = Path.Combine(directory, name + ".key");
        var publicKey = Path.Combine(directory, name + ".pub");
        string[] algorithm = type switch
        {
            CosignKeyType.EcdsaP256 => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            CosignKeyType.EcdsaP384 => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            CosignKeyType.Rsa or CosignKeyType.RsaPss => ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            CosignKeyType.Ed25519 => ["-algorithm", "ED25519"],
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        await ProcessRunner.RunCheckedAsync("openssl", ["genpkey", .. algorithm, "-out", privateKey]);
        await ProcessRunner.RunCheckedAsync("openssl", "pkey", "-in", privateKey, "-pubout", "-out", publicKey);
        return new CosignKey(name, publicKey, privateKey, type);
    }

    /// <summary>
    /// Signs <paramref name="message"/> the way cosign does with this key type: ECDSA (ASN.1 DER) and RSA over
    /// SHA-256 (P-384 over SHA-384), RSA-PSS with the longest salt (Go's <c>PSSSaltLengthAuto</c> when signing),
    /// Ed25519 over the message itself.
    /// </summary>
    public Task<byte[]> SignAsync(byte[] message) => Type switch
    {
        CosignKeyType.Ed25519 => RunAsync(message, "pkeyutl", "-sign", "-inkey", PrivateKeyPath, "-rawin"),
        CosignKeyType.EcdsaP384 => RunAsync(message, "dgst", "-sha384", "-sign", PrivateKeyPath),
        CosignKeyType.RsaPss => RunAsync(message, "dgst", "-sha256", "-sign", PrivateKeyPath, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max"),
        _ => RunAsync(message, "dgst", "-sha256", "-sign", PrivateKeyPath),
    };

    /// <summary>
    /// Signs a message given by its SHA-256 digest (a Sigstore bundle's message signature over an artifact the
    /// verifier holds only the digest of). Ed25519 cannot sign a prehashed message: it throws.
    /// </summary>
    public Task<byte[]> SignDigestAsync(byte[] sha256) => Type switch
    {
        CosignKeyType.Ed25519 => throw new NotSupportedException("Ed25519 signs whole messages, never a digest"),
        CosignKeyType.RsaPss => RunAsync(sha256, "pkeyutl", "-sign", "-inkey", PrivateKeyPath, "-pkeyopt", "digest:sha256",
            "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:max"),
        CosignKeyType.Rsa => RunAsync(sha256, "pkeyutl", "-sign", "-inkey", PrivateKeyPath, "-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pkcs1"),
        _ => RunAsync(sha256, "pkeyutl", "-sign", "-inkey", PrivateKeyPath, "-pkeyopt", "digest:sha256"),
    };

    /// <summary>A self-signed X.509 certificate (DER) of this key: what a Fulcio-style bundle carries instead of a key hint.</summary>
    public async Task<byte[]> SelfSignedCertificateAsync()
    {
        var output = Path.Combine(Path.GetDirectoryName(PrivateKeyPath)!, $"{Name}-{Guid.NewGuid():N}.crt");
        try
        {
            await ProcessRunner.RunCheckedAsync("openssl", "req", "-x509", "-new", "-key", PrivateKeyPath, "-subj", "/CN=ocicache-test-signer",
                "-days", "1", "-outform", "DER", "-out", output);
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The public key's DER (SubjectPublicKeyInfo), read back from the PEM file.</summary>
    public byte[] PublicKeyDer()
    {
        var pem = File.ReadAllText(PublicKeyPath);
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private async Task<byte[]> RunAsync(byte[] input, params string[] arguments)
    {
        var directory = Path.GetDirectoryName(PrivateKeyPath)!;
        var id = Guid.NewGuid().ToString("N");
        var inputPath = Path.Combine(directory, $"{Name}-{id}.in");
        var outputPath = Path.Combine(directory, $"{Name}-{id}.sig");
        await File.WriteAllBytesAsync(inputPath, input);
        try
        {
            string[] io = arguments[0] == "dgst" ? ["-out", outputPath, inputPath] : ["-in", inputPath, "-out", outputPath];
            await ProcessRunner.RunCheckedAsync("openssl", [.. arguments, .. io]);
            return await File.ReadAllBytesAsync(outputPath);
        }
        finally
        {
            File.Delete(inputPath);
            File.Delete(outputPath);
        }
    }
}
