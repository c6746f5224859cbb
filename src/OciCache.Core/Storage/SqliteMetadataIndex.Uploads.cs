namespace OciCache.Storage;

public sealed partial class SqliteMetadataIndex
{
    public Task CreateUploadAsync(UploadRecord upload) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t,
            "INSERT INTO uploads(id, repository, size, started_at, updated_at) VALUES ($id, $repository, $size, $started, $updated)",
            ("$id", upload.Id), ("$repository", upload.Repository), ("$size", upload.Size),
            ("$started", upload.StartedAt.ToUnixTimeMilliseconds()), ("$updated", upload.UpdatedAt.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    });

    public Task<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(cancellationToken, c =>
        {
            using var command = c.Command("SELECT repository, size, started_at, updated_at FROM uploads WHERE id = $id", ("$id", id));
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new UploadRecord(id, reader.GetString(0), reader.GetInt64(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3)))
                : null;
        }));

    public Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, "UPDATE uploads SET size = $size, updated_at = $at WHERE id = $id",
            ("$size", size), ("$at", updatedAt.ToUnixTimeMilliseconds()), ("$id", id));
        command.ExecuteNonQuery();
    });

    public Task DeleteUploadAsync(string id) => WriteAsync((c, t) =>
    {
        using var command = c.Command(t, "DELETE FROM uploads WHERE id = $id", ("$id", id));
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Read<IReadOnlyList<UploadRecord>>(cancellationToken, c =>
        {
            using var command = c.Command("SELECT id, repository, size, started_at, updated_at FROM uploads ORDER BY started_at");
            using var reader = command.ExecuteReader();
            var list = new List<UploadRecord>();
            while (reader.Read())
            {
                list.Add(new UploadRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                    Time(reader.GetInt64(3)), Time(reader.GetInt64(4))));
            }

            return list;
        }));
}
