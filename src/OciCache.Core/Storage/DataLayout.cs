using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// The one description of the data folder. Every path under it is built here.
/// <code>
/// &lt;data&gt;/
/// ├── ocicache.db                 SQLite metadata, WAL mode (plus ocicache.db-wal, ocicache.db-shm)
/// ├── audit.log                   audit events, JSON lines (unless Auth:AuditLog:Path puts them elsewhere);
/// │                               audit.log.1 … rotated ones, audit.log.lock held while one is written
/// ├── token-key.pem               with access control: the P-256 key tokens are signed with (PKCS#8, mode 0600)
/// ├── blobs/                      committed content; a file here is always complete and hashes to its name
/// │   └── sha256/
/// │       └── ab/                 first two hex characters of the digest (256 shards per algorithm)
/// │           └── abcdef0123…     the full hex digest: layers, configs and manifests alike, one copy each
/// ├── uploads/
/// │   └── 0f3c…e9                 bytes of a push session (32 hex id); its offset and repository are in SQLite
/// ├── tmp/
/// │   └── 7d2a…c1.part            blobs being written (tee of a cold pull, monolithic push); emptied at start
/// └── quarantine/
///     └── sha256-abcdef….&lt;ticks&gt;  blobs that failed re-hashing, moved aside by verify or scrub
/// </code>
/// Publishing is a rename from <c>tmp/</c> or <c>uploads/</c> into <c>blobs/</c> on the same file system,
/// after the bytes were hashed, checked and fsynced, so a reader never sees a partial blob.
/// </summary>
public sealed class DataLayout
{
    public DataLayout(string root)
    {
        Root = Path.GetFullPath(root);
        Blobs = Path.Combine(Root, "blobs");
        Uploads = Path.Combine(Root, "uploads");
        Temp = Path.Combine(Root, "tmp");
        Quarantine = Path.Combine(Root, "quarantine");
        Database = Path.Combine(Root, "ocicache.db");
        AuditLog = Path.Combine(Root, "audit.log");
        TokenKey = Path.Combine(Root, "token-key.pem");
    }

    public string Root { get; }

    public string Blobs { get; }

    public string Uploads { get; }

    public string Temp { get; }

    public string Quarantine { get; }

    public string Database { get; }

    /// <summary>The default audit log (<c>Auth:AuditLog:Path</c> may name another file).</summary>
    public string AuditLog { get; }

    /// <summary>The key access control signs its tokens with, created on first start (<c>Auth.TokenKey</c>).</summary>
    public string TokenKey { get; }

    public void EnsureCreated()
    {
        foreach (var dir in new[] { Root, Blobs, Uploads, Temp, Quarantine })
        {
            Directory.CreateDirectory(dir);
        }
    }

    public string BlobPath(Digest digest) =>
        Path.Combine(Blobs, digest.Algorithm, digest.Encoded[..2], digest.Encoded);

    /// <summary>The upload id must already be validated (<see cref="IsUploadId"/>).</summary>
    public string UploadPath(string uploadId) => Path.Combine(Uploads, uploadId);

    public string NewTempPath() => Path.Combine(Temp, Guid.NewGuid().ToString("N") + ".part");

    public string QuarantinePath(Digest digest) =>
        Path.Combine(Quarantine, $"{digest.Algorithm}-{digest.Encoded}.{DateTime.UtcNow.Ticks}");

    /// <summary>Where a file of <c>blobs/</c> whose name is no digest is moved (by <c>verify --repair</c>).</summary>
    public string MalformedQuarantinePath(string fileName) => Path.Combine(Quarantine, $"{fileName}.malformed");

    /// <summary>Upload ids are 32 lowercase hex characters; anything else never reaches a path.</summary>
    public static bool IsUploadId(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Maps a file under <c>blobs/</c> back to the digest its name claims, if the name is well formed.</summary>
    public bool TryGetDigestFromPath(string path, out Digest digest)
    {
        digest = default;
        var relative = Path.GetRelativePath(Blobs, path).Split(Path.DirectorySeparatorChar);
        return relative.Length == 3 &&
               Digest.TryParse($"{relative[0]}:{relative[2]}", out digest) &&
               digest.Encoded[..2] == relative[1];
    }
}
