namespace OciCache.Oci;

/// <summary>A repository name outside the grammar.</summary>
public sealed record NameInvalid(string Name) : Failure("invalid repository name", Name);

/// <summary>A manifest reference that is neither a tag nor a digest.</summary>
public sealed record TagInvalid(string Raw) : Failure("invalid tag", Raw);

/// <summary>A digest that does not parse, or content that does not hash to the digest it was given.</summary>
public sealed record DigestInvalid : Failure
{
    /// <summary>Content that does not hash to its digest; <paramref name="detail"/> says which.</summary>
    public DigestInvalid(string detail)
        : base("provided digest did not match uploaded content", detail)
    {
    }

    public DigestInvalid(string message, string detail)
        : base(message, detail)
    {
    }
}

/// <summary>A manifest that does not parse or breaks a rule; the detail names the field or the limit.</summary>
public sealed record ManifestInvalid(string Why) : Failure("manifest invalid", Why);

/// <summary>A body past its bound (a manifest over its size limit, a request body over its route's).</summary>
public sealed record TooLarge(string Message, string? Detail) : Failure(Message, Detail);

/// <summary>
/// A chunk that does not continue the upload where it stands (out of order, or a body whose length
/// disagrees with its <c>Content-Range</c>). <see cref="SessionSize"/> is where the session stands, which
/// the spec tells the client to resume from.
/// </summary>
public sealed record RangeInvalid(string Message, string Detail, long SessionSize) : Failure(Message, Detail);
