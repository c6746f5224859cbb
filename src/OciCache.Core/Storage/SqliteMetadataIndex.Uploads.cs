using Microsoft.Data.Sqlite;

namespace OciCache.Storage;

public sealed partial class SqliteMetadataIndex
{
    public Task CreateUploadAsync(UploadRecord upload) => WriteAsync((c, t) =>
    {
        using var command = Command(c, t,
            "INSERT INTO uploads(id, repository, size, started_at, updated_at) VALUES ($id, $repository, $size, $started, $updated)",
            ("$id", upload.Id), ("$repository", upload.Repository), ("$size", upload.Size),
            ("$started", upload.StartedAt.ToUnixTimeMilliseconds()), ("$updated", upload.UpdatedAt.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    });

    public UploadRecord? GetUpload(string id) => Read(c =>
    {
        using var command = Command(c, "SELECT repository, size, started_at, updated_at FROM uploads WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new UploadRecord(id, reader.GetString(0), reader.GetInt64(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3)))
            : null;
    });

    public void SetUploadSize(string id, long size, DateTimeOffset updatedAt) => Write((c, t) => SetUploadSize(c, t, id, size, updatedAt));

    public Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt) => WriteAsync((c, t) => SetUploadSize(c, t, id, size, updatedAt));

    private static bool SetUploadSize(SqliteConnection c, SqliteTransaction t, string id, long size, DateTimeOffset updatedAt)
    {
        using var command = Command(c, t, "UPDATE uploads SET size = $size, updated_at = $at WHERE id = $id",
            ("$size", size), ("$at", updatedAt.ToUnixTimeMilliseconds()), ("$id", id));
        return command.ExecuteNonQuery() > 0;
    }

    public Task DeleteUploadAsync(string id) => WriteAsync((c, t) =>
    {
        using var command = Command(c, t, "DELETE FROM uploads WHERE id = $id", ("$id", id));
        command.ExecuteNonQuery();
    });

    public IReadOnlyList<UploadRecord> ListUploads() => Read(c =>
    {
        using var command = Command(c, "SELECT id, repository, size, started_at, updated_at FROM uploads ORDER BY started_at");
        using var reader = command.ExecuteReader();
        var list = new List<UploadRecord>();
        while (reader.Read())
        {
            list.Add(new UploadRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                Time(reader.GetInt64(3)), Time(reader.GetInt64(4))));
        }

        return list;
    });
}
