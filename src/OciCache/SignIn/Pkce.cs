using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OciCache.SignIn;

/// <summary>Proof Key for Code Exchange, S256 (RFC 7636 §4.1, §4.2).</summary>
internal static class Pkce
{
    /// <summary>32 random bytes in base64url: 43 characters of the unreserved set.</summary>
    public static string CreateVerifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary><c>BASE64URL(SHA256(ASCII(code_verifier)))</c>.</summary>
    public static string Challenge(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
