using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Checks that the blob store and the metadata agree: every blob file hashes to its name, every blob row
/// has its file with the recorded size, every upload row has its file and every upload file its row,
/// and the metadata database itself is intact (<see cref="IMetadataHealth.CheckIntegrityAsync"/>). A blob file without a row is a note (an interrupted write), unless no row
/// names any blob: then the database was lost, and every such file is a problem. With repair, corrupt blobs are quarantined and dangling rows dropped.
/// Files in <c>tmp/</c> are never content (they are deleted at start) and only reported.
/// The work streams, in memory that does not grow with the store: one pass over the files (each looked up
/// by its digest), one over the rows (each file looked up by its digest), and each finding handed on as it
/// is found (<see cref="VerifyReport"/> keeps counts and the first few problems).
/// </summary>
public sealed class StoreVerifier(IBlobStore store, IBlobIndex index, IUploadIndex uploads, IMetadataHealth metadata)
{
    /// <param name="found">Called with each problem and note as it is found.</param>
    public async Task<VerifyReport> VerifyAsync(bool repair, Action<VerifyFinding>? found = null, CancellationToken cancellationToken = default)
    {
        var report = new VerifyReport(found);
        foreach (var problem in await metadata.CheckIntegrityAsync(cancellationToken))
        {
            report.Problem(problem);
        }

        // Metadata that knows no blob beside a store that holds some is a lost database (deleted or replaced),
        // not interrupted writes: then each such file is a problem, since garbage collection would delete them.
        var metadataLost = !await index.EnumerateBlobsAsync(cancellationToken).AnyAsync(cancellationToken);

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
            if (!await MatchesAsync(d, cancellationToken))
            {
                // Its file is there, only wrong: not a second "file is missing" problem in the pass over the rows.
                report.Problem($"corrupt blob {d}: its bytes hash to something else");
                if (repair)
                {
                    store.Quarantine(d);
                    await index.RemoveBlobAsync(d);
                }

                continue;
            }

            var row = await index.GetBlobAsync(d, cancellationToken);
            if (row is not null && row.Size != file.Length)
            {
                report.Problem($"blob {d} is recorded with {row.Size} bytes but has {file.Length}");
                if (repair)
                {
                    await index.RemoveBlobAsync(d); // the file is right (it hashes to its name); the row is wrong
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

        await foreach (var row in index.EnumerateBlobsAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await store.GetLengthAsync(row.Digest, cancellationToken) is null)
            {
                report.Problem($"metadata names blob {row.Digest} but its file is missing");
                if (repair)
                {
                    await index.RemoveBlobAsync(row.Digest); // WAL: the write does not disturb this read of the rows
                }
            }
        }

        await CheckUploadsAsync(report, repair, cancellationToken);
        var temp = store.EnumerateFiles(StoreArea.Temp).Count();
        if (temp > 0)
        {
            report.Note($"{temp} unfinished temp files in tmp/ (not content; removed at the next start)");
        }

        return report;
    }

    private async Task CheckUploadsAsync(VerifyReport report, bool repair, CancellationToken cancellationToken)
    {
        var sessions = (await uploads.ListUploadsAsync(cancellationToken)).ToDictionary(u => u.Id);
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
                await uploads.DeleteUploadAsync(id);
            }
        }
    }

    /// <summary>
    /// Whether the stored bytes hash to their name, read through the store as any reader would (a local file,
    /// or ranged GETs of an object). A blob gone since it was listed is no problem of its own: the pass over
    /// the rows reports it if a row still names it.
    /// </summary>
    private async Task<bool> MatchesAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken);
        return content is null || await BlobHasher.MatchesAsync(content.Stream, digest, cancellationToken: cancellationToken);
    }
}

/// <summary>The counts of a verification, and its first <see cref="KeptProblems"/> problems; every finding went to the callback.</summary>
public sealed class VerifyReport(Action<VerifyFinding>? found)
{
    public const int KeptProblems = 100;

    private readonly List<string> _problems = [];

    /// <summary>The first <see cref="KeptProblems"/> problems.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public int ProblemCount { get; private set; }

    public int NoteCount { get; private set; }

    public int FilesChecked { get; set; }

    public long BytesChecked { get; set; }

    public bool Consistent => ProblemCount == 0;

    public void Problem(string message)
    {
        ProblemCount++;
        if (_problems.Count < KeptProblems)
        {
            _problems.Add(message);
        }

        found?.Invoke(new VerifyFinding(true, message));
    }

    public void Note(string message)
    {
        NoteCount++;
        found?.Invoke(new VerifyFinding(false, message));
    }
}

/// <summary>A problem (store and metadata disagree) or a note (worth knowing, harmless).</summary>
public sealed record VerifyFinding(bool IsProblem, string Message);
