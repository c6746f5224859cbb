namespace OciCache.Storage;

/// <summary>
/// What the rest of the server needs to know of the data folder besides its content: the free space of the
/// volume it is on (eviction's <c>Storage:MinFreeBytes</c> floor, the console) and where the server's own
/// key file lives. The one way past <see cref="DataLayout"/> for code outside Storage, which never builds a
/// path of stored content.
/// </summary>
public interface IStorageVolume
{
    /// <summary>Bytes free to this process on the volume the store writes to, read anew on every call.</summary>
    long FreeBytes { get; }

    /// <summary>The file access control keeps its token signing key in (<c>token-key.pem</c>, created on first start).</summary>
    string TokenKeyPath { get; }
}
