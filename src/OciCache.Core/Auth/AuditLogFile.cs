namespace OciCache.Auth;

/// <summary>
/// The audit file on disk: appends lines under a lock, rotates by size. Used from one thread (the log's
/// writer); the lock is for other processes: <c>ocicache robot add</c> appends to the file a running
/// server writes.
/// <code>
/// audit.log        current file, appended
/// audit.log.1      the one before, … up to audit.log.&lt;Files&gt;; older ones are deleted
/// audit.log.lock   held (flock, through FileShare.None) while a batch is written or the files rotate
/// </code>
/// </summary>
/// <remarks>
/// The file is opened for each batch rather than held: a rotation by another process is then seen at once,
/// and the end of the file (where .NET writes; it does not open with O_APPEND) is read under the lock.
/// </remarks>
internal sealed class AuditLogFile(string path, long maxBytes, int files)
{
    private const long LockWaitMilliseconds = 10_000;

    private int _lockWaits;

    public string Path { get; } = path;

    /// <summary>How often a batch found the lock held by another writer and waited.</summary>
    public int LockWaits => Volatile.Read(ref _lockWaits);

    /// <summary>Appends <paramref name="lines"/> and fsyncs; on a failure cuts off a part-written line and throws.</summary>
    public void Append(IReadOnlyList<byte[]> lines)
    {
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        using var held = Lock();
        var stream = Open();
        var written = stream.Length; // the end of the last complete line
        try
        {
            foreach (var line in lines)
            {
                if (written > 0 && written + line.Length > maxBytes)
                {
                    stream.Flush(flushToDisk: true);
                    stream.Dispose();
                    Rotate();
                    stream = Open();
                    written = 0;
                }

                stream.Write(line);
                written += line.Length;
            }

            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            TryCut(stream, written);
            throw;
        }
        finally
        {
            stream.Dispose();
        }
    }

    private FileStream Open() => new(Path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,
        Share = FileShare.ReadWrite | FileShare.Delete, // readers (tail -f) and the other writer's rotation
        BufferSize = 0, // each line is one write(2): a full disk fails the line, not a buffer of several
    });

    /// <summary>audit.log → .1 → .2 … → .&lt;Files&gt;; the oldest is dropped.</summary>
    private void Rotate()
    {
        if (files <= 0)
        {
            File.Delete(Path);
            return;
        }

        File.Delete($"{Path}.{files}");
        for (var i = files - 1; i >= 1; i--)
        {
            if (File.Exists($"{Path}.{i}"))
            {
                File.Move($"{Path}.{i}", $"{Path}.{i + 1}", overwrite: true);
            }
        }

        File.Move(Path, $"{Path}.1", overwrite: true);
    }

    /// <summary>
    /// The lock file, opened exclusively. Another process holds it only while it writes a batch, so the wait
    /// is short; past 10 seconds (a writer hung with it) the batch is written without it.
    /// </summary>
    private FileStream? Lock()
    {
        var deadline = Environment.TickCount64 + LockWaitMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream($"{Path}.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists($"{Path}.lock") && Environment.TickCount64 < deadline)
            {
                Interlocked.Increment(ref _lockWaits);
                Thread.Sleep(5);
            }
            catch (IOException) when (File.Exists($"{Path}.lock"))
            {
                return null;
            }
        }
    }

    /// <summary>Drops a line the disk took only part of, so the next line does not continue it.</summary>
    private static void TryCut(FileStream stream, long length)
    {
        try
        {
            if (stream.Length > length)
            {
                stream.SetLength(length);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }
}
