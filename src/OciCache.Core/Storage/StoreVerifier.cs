using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Checks that the blob store and the metadata agree: every blob file hashes to its name, every blob row
/// has its file with the recorded size, every upload row has its file and every upload file its row,
/// and SQLite itself is intact. A blob file without a row is a note (an interrupted write), unless no row
/// names any blob: then the database was lost, and every such file is a problem. With repair, corrupt blobs are quarantined and dangling rows dropped.
/// Files in <c>tmp/</c> are never content (they are deleted at start) and only reported.
/// </summary>
public sealed class StoreVerifier(IBlobStore store, IMetadataIndex index, SqliteDatabase database)
{
    public async Task<VerifyReport> VerifyAsync(bool repair, CancellationToken cancellationToken = default)
    {
        var report = new VerifyReport();
        CheckDatabase(report);
        var rows = index.EnumerateBlobs().ToDictionary(b => b.Digest);
        // Metadata that knows no blob beside a store that holds some is a lost database (deleted or replaced),
        // not interrupted writes: then each such file is a problem, since garbage collection would delete them.
        var metadataLost = rows.Count == 0;

        foreach (var file in store.EnumerateFiles(StoreArea.Blobs))
        {
            cancellationToken.ThrowIfCancellationRequested();
            report.FilesChecked++;
            if (file.Digest is not { } d)
            {
                report.Problem($"blob file with a malformed name: {file.Path}");
                if (repair)
                {
                    store.Quarantine(file);
                }

                continue;
            }

            report.BytesChecked += file.Length;
            if (!await BlobHasher.MatchesAsync(file.Path, d, cancellationToken: cancellationToken))
            {
                report.Problem($"corrupt blob {d}: its bytes hash to something else");
                rows.Remove(d); // its file is there, only wrong: not a second "file is missing" problem below
                if (repair)
                {
                    store.Quarantine(d);
                    index.RemoveBlob(d);
                }

                continue;
            }

            if (rows.Remove(d, out var row) && row.Size != file.Length)
            {
                report.Problem($"blob {d} is recorded with {row.Size} bytes but has {file.Length}");
                if (repair)
                {
                    index.RemoveBlob(d); // the file is right (it hashes to its name); the row is wrong
                }
            }
            else if (row is null && metadataLost)
            {
                report.Problem($"blob {d} has no metadata, and the metadata knows no blob at all: was the database " +
                               "deleted or replaced? Garbage collection would delete this blob; restore the database first");
            }
            else if (row is null)
            {
                report.Note($"blob {d} has no metadata (left by an interrupted write; garbage collection removes it)");
            }
        }

        foreach (var missing in rows.Keys)
        {
            report.Problem($"metadata names blob {missing} but its file is missing");
            if (repair)
            {
                index.RemoveBlob(missing);
            }
        }

        CheckUploads(report, repair);
        var temp = store.EnumerateFiles(StoreArea.Temp).Count();
        if (temp > 0)
        {
            report.Note($"{temp} unfinished temp files in tmp/ (not content; removed at the next start)");
        }

        return report;
    }

    private void CheckUploads(VerifyReport report, bool repair)
    {
        var sessions = index.ListUploads().ToDictionary(u => u.Id);
        foreach (var file in store.EnumerateFiles(StoreArea.Uploads))
        {
            if (!sessions.Remove(file.Name))
            {
                report.Problem($"upload file {file.Name} has no session");
                if (repair)
                {
                    store.Remove(file);
                }
            }
        }

        foreach (var id in sessions.Keys)
        {
            report.Problem($"upload session {id} has no file");
            if (repair)
            {
                index.DeleteUpload(id);
            }
        }
    }

    private void CheckDatabase(VerifyReport report)
    {
        using var connection = database.Open();
        using var integrity = connection.CreateCommand();
        integrity.CommandText = "PRAGMA integrity_check";
        if (integrity.ExecuteScalar() as string is not "ok" and var result)
        {
            report.Problem($"SQLite integrity check failed: {result}");
        }

        using var foreignKeys = connection.CreateCommand();
        foreignKeys.CommandText = "PRAGMA foreign_key_check";
        using SqliteDataReader reader = foreignKeys.ExecuteReader();
        while (reader.Read())
        {
            report.Problem($"SQLite foreign key violation in table {reader.GetString(0)}");
        }
    }
}

public sealed class VerifyReport
{
    private readonly List<string> _problems = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<string> Problems => _problems;

    public IReadOnlyList<string> Notes => _notes;

    public int FilesChecked { get; set; }

    public long BytesChecked { get; set; }

    public bool Consistent => _problems.Count == 0;

    public void Problem(string message) => _problems.Add(message);

    public void Note(string message) => _notes.Add(message);
}
