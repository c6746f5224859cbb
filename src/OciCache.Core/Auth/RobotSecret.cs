using System.Buffers.Text;
using System.Security.Cryptography;

namespace OciCache.Auth;

/// <summary>
/// A robot account's secret: <c>ocirobot_</c> and 32 random bytes in unpadded base64url (43 characters).
/// The prefix lets secret scanners and people recognise a leaked one; the text is what a client sends as
/// its password, and what is hashed.
/// </summary>
internal static class RobotSecret
{
    public const string Prefix = "ocirobot_";

    public const int RandomBytes = 32;

    public static string Create() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Whether <paramref name="text"/> has the form of a secret (not whether any account has it).</summary>
    public static bool LooksLikeSecret(string? text) =>
        text is not null && text.StartsWith(Prefix, StringComparison.Ordinal) &&
        Base64Url.IsValid(text.AsSpan(Prefix.Length), out var decoded) && decoded == RandomBytes;
}
