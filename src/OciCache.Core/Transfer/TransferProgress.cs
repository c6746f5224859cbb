namespace OciCache.Transfer;

/// <summary>
/// Where an export or import is, for a progress display: bytes and blobs done out of the totals (a total
/// is 0 while unknown, e.g. the blobs of a tar not read yet). Updated by the transfer, read by any thread.
/// </summary>
public sealed class TransferProgress
{
    private long _bytes;
    private long _bytesTotal;
    private int _blobs;
    private int _blobsTotal;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    public int Blobs => Volatile.Read(ref _blobs);

    public int BlobsTotal => Volatile.Read(ref _blobsTotal);

    internal void SetTotals(long bytes, int blobs)
    {
        Interlocked.Exchange(ref _bytesTotal, bytes);
        Volatile.Write(ref _blobsTotal, blobs);
    }

    internal void AddBytes(long count) => Interlocked.Add(ref _bytes, count);

    internal void BlobDone() => Interlocked.Increment(ref _blobs);
}
