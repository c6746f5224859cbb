using OciCache.Oci;

namespace OciCache.Storage;

// The rows of IConsoleQueries' answers.

/// <param name="StoredBytes">Every blob and manifest in the store, each once: the bytes on disk.</param>
/// <param name="OnlyBy">Bytes only this origin's repositories hold, by upstream (the empty name: local).</param>
/// <param name="SharedBytes">Bytes held by repositories of more than one origin (a pushed image's layer that a mirror also has).</param>
public sealed record StorageBreakdown(long StoredBytes, IReadOnlyDictionary<string, long> OnlyBy, long SharedBytes);

/// <param name="Bytes">The blobs the repository links, each once.</param>
/// <param name="UpdatedAt">When a tag of it last moved; null without tags.</param>
public sealed record RepositoryRow(string Name, string? Upstream, int Tags, long Bytes, DateTimeOffset? UpdatedAt);

/// <param name="Bytes">The manifest and everything it references in the repository (child manifests, blobs).</param>
public sealed record TagRow(string Tag, Digest Digest, string MediaType, long ManifestSize, DateTimeOffset UpdatedAt, long Pulls, DateTimeOffset? LastPulled, long Bytes);

public sealed record ReferrerRow(Digest Digest, string MediaType, string? ArtifactType);

public sealed record ImageSizeRow(string Repository, string? Upstream, Digest Digest, long Bytes, IReadOnlyList<string> Tags);
