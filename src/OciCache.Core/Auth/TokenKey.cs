using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OciCache.Auth;

/// <summary>
/// The P-256 key tokens are signed with: <c>token-key.pem</c> (PKCS#8) in the data folder (<see cref="Storage.DataLayout.TokenKey"/>), created on first
/// start with mode 0600 and reused after, so tokens survive a restart and the WAN is never needed.
/// </summary>
public static class TokenKey
{
    public static ECDsa LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new InvalidOperationException($"{path} is not a P-256 key.");
            }

            return key;
        }

        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: false);
        return key;
    }

    /// <summary>
    /// Why the key file at <paramref name="path"/> cannot be a key, judged by its PEM framing alone (managed
    /// code: no OpenSSL is loaded, so an idle server still maps none); null when there is no file or it looks
    /// whole. The message never quotes the file.
    /// </summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Auth: the token signing key {path} cannot be read ({e.GetType().Name}).";
        }

        return PemEncoding.TryFind(text, out var fields) && text[fields.Label] is "PRIVATE KEY" or "EC PRIVATE KEY"
            ? null
            : $"Auth: the token signing key {path} is not a PEM private key. Move it away and a new one is made at the first token (tokens signed with the old key then stop working).";
    }

    /// <summary>The key's JWK thumbprint (RFC 7638, SHA-256, base64url): the <c>kid</c> of its tokens.</summary>
    public static string KeyId(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            // Members in lexical order, no white space, as the thumbprint requires.
            w.WriteStartObject();
            w.WriteString("crv", "P-256");
            w.WriteString("kty", "EC");
            w.WriteString("x", JwtBase64.Encode(p.Q.X!));
            w.WriteString("y", JwtBase64.Encode(p.Q.Y!));
            w.WriteEndObject();
        }

        return JwtBase64.Encode(SHA256.HashData(buffer.WrittenSpan));
    }
}

public static class JwtBase64
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static byte[]? TryDecode(string text)
    {
        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
