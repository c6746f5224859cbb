using System.Security.Cryptography;

namespace OciCache.Auth;

/// <summary>
/// Where the P-256 key tokens are signed with comes from: <c>token-key.pem</c> in the data folder on a single
/// node (<see cref="FileTokenKeySource"/>), the shared metadata database when replicas share one
/// (<see cref="SharedTokenKeySource"/>), so that any replica verifies a token any other issued. The key is
/// created by the first caller and the same key is returned after. The private key is never logged.
/// </summary>
public interface ITokenKeySource
{
    /// <summary>The key, created when there is none yet; the caller owns (and disposes) the instance.</summary>
    Task<ECDsa> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Why the stored key cannot be loaded, found at start without loading it (no OpenSSL); null when there is
    /// none yet or it looks whole. The message names where the key is, never what it holds.
    /// </summary>
    string? CheckStored() => null;
}

/// <summary>The key in <c>token-key.pem</c> in the data folder (<see cref="TokenKey.LoadOrCreate"/>).</summary>
internal sealed class FileTokenKeySource(string path) : ITokenKeySource
{
    public Task<ECDsa> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(TokenKey.LoadOrCreate(path));

    public string? CheckStored() => TokenKey.Problem(path);
}
