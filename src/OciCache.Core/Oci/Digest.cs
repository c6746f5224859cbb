using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace OciCache.Oci;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>. Only the algorithms the registry can verify are accepted
/// (sha256, sha512), and only in canonical lowercase hex, so a parsed digest is always safe to use as a
/// file name and compares ordinally.
/// </summary>
/// <remarks>Grammar: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests</remarks>
public readonly record struct Digest
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    /// <summary>The lowercase hex part after the colon.</summary>
    public string Encoded { get; }

    public override string ToString() => Algorithm is null ? "" : $"{Algorithm}:{Encoded}";

    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var colon = value.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var algorithm = value[..colon];
        var encoded = value[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => -1,
        };
        if (encoded.Length != expectedLength || !IsLowerHex(encoded))
        {
            return false;
        }

        digest = new Digest(algorithm, encoded);
        return true;
    }

    public static Digest Parse(string value) =>
        TryParse(value, out var digest) ? digest : throw new FormatException($"'{value}' is not a valid digest.");

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, Convert.ToHexStringLower(hash));

    /// <summary>sha256 over a small in-memory payload (manifests, configs); blobs are hashed while streamed.</summary>
    public static Digest ComputeSha256(ReadOnlySpan<byte> content) => FromHash(Sha256, SHA256.HashData(content));

    public static HashAlgorithmName HashAlgorithmFor(string algorithm) => algorithm switch
    {
        Sha256 => HashAlgorithmName.SHA256,
        Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unsupported digest algorithm."),
    };

    private static bool IsLowerHex(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
