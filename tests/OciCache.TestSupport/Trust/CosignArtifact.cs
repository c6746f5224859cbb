namespace OciCache.Testing;

/// <summary>A signature artifact as cosign pushes it: its manifest, and the blobs (config, payload or bundle) it names.</summary>
public sealed record CosignArtifact(TestBlob Manifest, IReadOnlyList<TestBlob> Blobs)
{
    public OciCache.Oci.Digest Digest => Manifest.Digest;
}
