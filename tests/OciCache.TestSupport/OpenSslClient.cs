namespace OciCache.Testing;

/// <summary>
/// <c>openssl s_client</c>, a TLS client whose protocol versions and cipher suites a test picks freely
/// (.NET's own client offers only what the system allows it to).
/// </summary>
public static class OpenSslClient
{
    /// <summary>
    /// One handshake with <paramref name="server"/> offering only what <paramref name="options"/> allow
    /// (e.g. <c>-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA</c>). Standard input is empty, so the client closes
    /// right after the handshake; exit code 0 means the handshake succeeded. With <c>-brief</c> the result
    /// ("Protocol version: …", "Ciphersuite: …") is on standard error.
    /// </summary>
    public static Task<ProcessResult> HandshakeAsync(Uri server, params string[] options)
    {
        var openssl = Tools.Require("openssl");
        var command = string.Join(' ', new[] { openssl, "s_client", "-brief", "-connect", $"{server.Host}:{server.Port}" }
            .Concat(options).Select(Quote));
        return ProcessRunner.RunAsync("sh", ["-c", $"{command} </dev/null"], TimeSpan.FromMinutes(1));
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
