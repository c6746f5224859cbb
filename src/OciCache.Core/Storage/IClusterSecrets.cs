namespace OciCache.Storage;

/// <summary>
/// Secrets every replica of a cluster must share (the token signing key), kept in the shared metadata
/// database. Values are opaque bytes; the store never logs or returns them in an error.
/// </summary>
public interface IClusterSecrets
{
    /// <summary>
    /// The secret stored under <paramref name="name"/>; when there is none yet, stores <paramref name="created"/>
    /// (called at most once) first. Replicas asking at once all get the one value the first of them stored.
    /// </summary>
    Task<byte[]> GetOrCreateAsync(string name, Func<byte[]> created, CancellationToken cancellationToken);
}
