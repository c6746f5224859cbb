namespace OciCache.Oci;

/// <summary>The fields of an OCI content descriptor the registry acts on.</summary>
public sealed record Descriptor(string MediaType, Digest Digest, long Size)
{
    public string? ArtifactType { get; init; }

    /// <summary>The descriptor's <c>annotations</c> object as raw JSON, or null.</summary>
    public string? AnnotationsJson { get; init; }

    public Platform? Platform { get; init; }
}

/// <summary>The platform of an index entry, for prefetch filters such as <c>linux/arm64</c>.</summary>
public sealed record Platform(string Os, string Architecture, string? Variant)
{
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
