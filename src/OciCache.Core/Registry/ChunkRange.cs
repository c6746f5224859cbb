namespace OciCache.Registry;

/// <summary>
/// The bytes an upload chunk claims to be, from its <c>Content-Range</c>: <see cref="Start"/> through
/// <see cref="End"/>, both inclusive. The session must be at <see cref="Start"/> and the body must be
/// exactly <see cref="Length"/> bytes, or the chunk is refused with 416 and nothing of it is kept.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks</remarks>
public readonly record struct ChunkRange(long Start, long End)
{
    public long Length => End - Start + 1;

    public override string ToString() => $"{Start}-{End}";
}
