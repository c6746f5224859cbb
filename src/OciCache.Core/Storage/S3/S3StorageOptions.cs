using OciCache.Settings;

namespace OciCache.Storage.S3;

/// <summary>
/// The S3 bucket that holds the blobs when <c>Storage:Backend</c> is <c>s3</c> (<c>Storage:S3</c>). The data
/// folder stays, for spool files (writes in progress, fills their readers follow, upload staging) and the
/// metadata database.
/// </summary>
public sealed record S3StorageOptions : ISettingsSection
{
    /// <summary>The S3 endpoint, e.g. <c>http://rgw.internal:7480</c>; required with the s3 backend.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The bucket; created at start when missing (and the credentials allow it).</summary>
    public string Bucket { get; set; } = "";

    /// <summary>The region requests are signed for; Ceph RGW accepts its zone group's name (<c>us-east-1</c> by default).</summary>
    public string Region { get; set; } = "us-east-1";

    public string AccessKey { get; set; } = "";

    /// <summary>The secret key itself; prefer <see cref="SecretKeyFile"/>. Never logged.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>A file holding the secret key (its first line), read at start.</summary>
    public string SecretKeyFile { get; set; } = "";

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), which RGW and most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>A prefix for every key, e.g. <c>ocicache/</c>, to share a bucket.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>A PEM file of the authority to trust for an https endpoint (beside the system's), for this client only.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>Answer full GETs of stored blobs with 307 to a pre-signed URL of the object (clients must reach the endpoint).</summary>
    public bool Redirect { get; set; }

    /// <summary>Why these settings cannot work, each naming its key; empty when they can.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            yield return "Storage:S3:Endpoint is required when Storage:Backend is s3.";
        }
        else if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"Storage:S3:Endpoint: '{Endpoint}' is not an http:// or https:// URL.";
        }

        if (string.IsNullOrWhiteSpace(Bucket))
        {
            yield return "Storage:S3:Bucket is required when Storage:Backend is s3.";
        }
        else if (Bucket.Length is < 3 or > 63)
        {
            yield return $"Storage:S3:Bucket: '{Bucket}' must have 3 to 63 characters.";
        }

        if (SecretKey.Length > 0 && SecretKeyFile.Length > 0)
        {
            yield return "Storage:S3:SecretKey and Storage:S3:SecretKeyFile are both set; keep one.";
        }

        if (SecretKeyFile.Length > 0 && !File.Exists(SecretKeyFile))
        {
            yield return $"Storage:S3:SecretKeyFile: '{SecretKeyFile}' does not exist.";
        }

        if (AccessKey.Length > 0 && SecretKey.Length == 0 && SecretKeyFile.Length == 0)
        {
            yield return "Storage:S3:AccessKey is set without Storage:S3:SecretKey or Storage:S3:SecretKeyFile.";
        }

        if (CaFile.Length > 0 && !File.Exists(CaFile))
        {
            yield return $"Storage:S3:CaFile: '{CaFile}' does not exist.";
        }
    }

    /// <summary>The secret key from <see cref="SecretKey"/> or the first line of <see cref="SecretKeyFile"/>.</summary>
    internal string ReadSecretKey() =>
        SecretKeyFile.Length > 0 ? (File.ReadLines(SecretKeyFile).FirstOrDefault() ?? "").Trim() : SecretKey;
}
