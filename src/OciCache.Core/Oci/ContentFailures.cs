namespace OciCache.Oci;

/// <summary>A blob the repository does not hold (or may not serve); <see cref="Cause"/> is why an upstream could not bring it.</summary>
public sealed record BlobUnknown : Failure
{
    public BlobUnknown(Digest digest)
        : base("blob unknown to registry", digest.ToString()) => Digest = digest;

    /// <summary>Not stored, and <paramref name="cause"/> (when known) kept it from being fetched.</summary>
    public BlobUnknown(Digest digest, string message, string detail, Failure? cause)
        : base(message, detail) => (Digest, Cause) = (digest, cause);

    public Digest Digest { get; }

    public Failure? Cause { get; }
}

/// <summary>A manifest the repository does not hold; <see cref="Cause"/> is why an upstream could not bring it.</summary>
public sealed record ManifestUnknown : Failure
{
    /// <param name="reference">A tag or digest, or text that is neither and so names no manifest.</param>
    public ManifestUnknown(string reference)
        : base("manifest unknown", reference)
    {
    }

    public ManifestUnknown(Reference reference)
        : this(reference.ToString())
    {
    }

    /// <summary>Not stored (or too stale to serve), and the upstream failed.</summary>
    public ManifestUnknown(string message, string detail, Failure? cause)
        : base(message, detail) => Cause = cause;

    public Failure? Cause { get; }
}

/// <summary>A manifest pushed while a blob or child manifest it references is not in the repository.</summary>
public sealed record ManifestBlobUnknown(Digest Digest, string Message) : Failure(Message, Digest.ToString());

/// <summary>A repository (or another named thing a request asked for) that is not known.</summary>
public sealed record NameUnknown : Failure
{
    public NameUnknown(string detail)
        : base("repository name not known to registry", detail)
    {
    }

    /// <summary>Another named thing than a repository: a robot account, a pin, an API key, a path.</summary>
    public NameUnknown(string message, string? detail)
        : base(message, detail)
    {
    }
}

/// <summary>An upload session that does not exist (never did, ended, or expired).</summary>
public sealed record UploadUnknown(string Id) : Failure("blob upload unknown to registry", Id);
