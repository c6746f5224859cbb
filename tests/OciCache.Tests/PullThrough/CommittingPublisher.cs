using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// A publisher that commits the fill's verified file into the real store (fsync, rename) and records the
/// repositories it was given in memory instead of in an index.
/// </summary>
internal sealed class CommittingPublisher : IBlobPublisher
{
    private readonly TaskCompletionSource<long> _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the size once a blob was committed.</summary>
    public Task<long> Published => _published.Task;

    /// <summary>The repositories the last commit was recorded for, the blob row's first.</summary>
    public IReadOnlyList<Repository> Repositories { get; private set; } = [];

    public async Task PublishVerifiedAsync(BlobWriter writer, Digest digest, long size, IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        await writer.PublishAsync(cancellationToken);
        Repositories = repositories;
        _published.TrySetResult(size);
    }
}
