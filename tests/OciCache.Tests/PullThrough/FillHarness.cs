using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// One <see cref="BlobFill"/> over a real file store in a temp folder (or any data folder given), an
/// upstream body the test feeds byte by byte, and fake time: nothing in these tests waits on a clock.
/// </summary>
internal sealed class FillHarness : IAsyncDisposable
{
    private readonly TempDirectory? _temp;
    private readonly List<FillLease> _leases = [];

    public FillHarness(byte[] blob, Action<PullThroughOptions>? configure = null, string? dataFolder = null, bool announceLength = true, Digest? digest = null, TimeSpan? stallTimeout = null, long? expectedSize = null, long? minBodyRate = null)
    {
        if (dataFolder is null)
        {
            _temp = new TempDirectory("fill");
            dataFolder = _temp.Path;
        }

        Blob = blob;
        Layout = new DataLayout(dataFolder);
        Store = new FileBlobStore(Layout);
        var options = new PullThroughOptions { OrphanedFillTimeout = TimeSpan.FromMinutes(10) };
        configure?.Invoke(options);
        Digest = digest ?? Digest.ComputeSha256(blob);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(Body) };
        if (announceLength)
        {
            response.Content.Headers.ContentLength = blob.Length;
        }

        var policy = stallTimeout is { } stall ? Policy with { StallTimeout = stall } : Policy;
        policy = minBodyRate is { } rate ? policy with { MinBodyRate = rate } : policy;
        Fill = new BlobFill(Digest, expectedSize, Requester, new ScriptedSource(UpstreamResult.Ok(response)), Observer,
            new FillServices(Store, Publisher, options, policy, Time, NullLogger.Instance));
    }

    public static UpstreamPolicyOptions Policy { get; } = new() { StallTimeout = TimeSpan.FromSeconds(30) };

    public byte[] Blob { get; }

    /// <summary>The repository the fill is made for.</summary>
    public static Repository Requester { get; } = Repository.Mirror("docker.io", "library/fill");

    /// <summary>What the fill told its observer.</summary>
    public RecordingObserver Observer { get; } = new();

    /// <summary>Failures the fill reported to its observer (what the fill_failures metric counts).</summary>
    public IReadOnlyList<UpstreamFailure> Failures => Observer.Failures;

    public Digest Digest { get; }

    public DataLayout Layout { get; }

    public FileBlobStore Store { get; }

    public FakeTimeProvider Time { get; } = new();

    public ControlledBody Body { get; } = new();

    public BlobFill Fill { get; }

    /// <summary>Where the fill hands its verified bytes.</summary>
    public CommittingPublisher Publisher { get; } = new();

    /// <summary>Completes with the size when the fill handed a committed blob to be recorded.</summary>
    public Task<long> Published => Publisher.Published;

    /// <summary>Starts the fill with the creator's lease and waits for its headers.</summary>
    public async Task<FillLease> StartAsync()
    {
        var lease = Fill.Start();
        _leases.Add(lease);
        Assert.Null(await Fill.WaitForHeadersAsync(CancellationToken.None));
        return lease;
    }

    public FillLease Join()
    {
        var lease = Fill.TryJoin() ?? throw new Xunit.Sdk.XunitException("the fill refused a new reader");
        _leases.Add(lease);
        return lease;
    }

    /// <summary>Feeds bytes [from, to) of the blob.</summary>
    public void Send(int from, int to) => Body.Send(Blob.AsSpan(from, to - from));

    /// <summary>Reads until the end or a failure.</summary>
    public static async Task<(byte[] Bytes, string? Failure)> ReadToEndAsync(IGrowingBlobReader reader)
    {
        var copy = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await reader.ReadAsync(buffer, CancellationToken.None);
            if (read.Failure is not null || read.Count == 0)
            {
                return (copy.ToArray(), read.Failure);
            }

            copy.Write(buffer, 0, read.Count);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (waiting for them to arrive).</summary>
    public static async Task<byte[]> ReadExactlyAsync(IGrowingBlobReader reader, int count)
    {
        var bytes = new byte[count];
        var done = 0;
        while (done < count)
        {
            var read = await reader.ReadAsync(bytes.AsMemory(done), CancellationToken.None);
            if (read.Failure is not null || read.Count == 0)
            {
                throw new Xunit.Sdk.XunitException($"read ended after {done} of {count} bytes: {read.Failure ?? "end"}");
            }

            done += read.Count;
        }

        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lease in _leases)
        {
            lease.Dispose();
        }

        Body.Break();
        await Fill.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        _temp?.Dispose();
    }
}
