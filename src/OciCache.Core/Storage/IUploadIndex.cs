namespace OciCache.Storage;

/// <summary>
/// Rows of blob upload sessions, so a session survives a restart. A session's bytes are the blob store's;
/// its row is written after its file exists and deleted before its file goes. Sessions are addressed by
/// their id, which <see cref="DataLayout.IsUploadId"/> checked at the edge.
/// </summary>
public interface IUploadIndex
{
    Task CreateUploadAsync(UploadRecord upload);

    Task<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default);

    Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt);

    Task DeleteUploadAsync(string id);

    /// <summary>Every session, oldest first (there are at most <c>Uploads:MaxSessions</c>).</summary>
    Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancellationToken = default);
}
