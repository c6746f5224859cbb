namespace OciCache.Storage.Postgres;

internal sealed partial class PostgresMetadataIndex
{
    private const string UploadColumns = "id, repository, size, started_at, updated_at";

    public Task CreateUploadAsync(UploadRecord upload) => database.ExecuteAsync(
        $"INSERT INTO uploads ({UploadColumns}) VALUES (@id, @repository, @size, @started, @updated)", CancellationToken.None,
        ("id", upload.Id), ("repository", upload.Repository), ("size", upload.Size),
        ("started", PostgresDatabase.ToMillisecond(upload.StartedAt)), ("updated", PostgresDatabase.ToMillisecond(upload.UpdatedAt)));

    public async Task<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        (await RowsAsync(cancellationToken, ReadUpload, $"SELECT {UploadColumns} FROM uploads WHERE id = @id", ("id", id))).SingleOrDefault();

    public Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt) => database.ExecuteAsync(
        "UPDATE uploads SET size = @size, updated_at = @at WHERE id = @id", CancellationToken.None,
        ("size", size), ("at", PostgresDatabase.ToMillisecond(updatedAt)), ("id", id));

    public Task DeleteUploadAsync(string id) => database.ExecuteAsync("DELETE FROM uploads WHERE id = @id", CancellationToken.None, ("id", id));

    /// <remarks>Oldest first; ties (two sessions started in one millisecond) by id, so the order is the same on every call.</remarks>
    public Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancellationToken = default) =>
        RowsAsync(cancellationToken, ReadUpload, $"SELECT {UploadColumns} FROM uploads ORDER BY started_at, id");

    private static UploadRecord ReadUpload(Npgsql.NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), Time(reader, 3), Time(reader, 4));
}
