using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Lifecycle;

/// <summary>
/// The trust check of a copy (sync, prefetch): the image's manifest digest against the <c>Trust:Policies</c>
/// rule that covers the repository the copy stores into, once its manifest was read and before any child
/// manifest, config or layer of it is fetched. An enforcing rule's refusal throws (<see cref="CopyFailed"/>
/// with a <see cref="Denied"/> inside, naming digest, repository, rule and reason, as a refused pull does) and
/// forgets the root manifest the check read;
/// a warning rule's failure is logged and kept in the run's tally, and the image is copied. Signature tags
/// (<c>sha256-&lt;hex&gt;.sig|.att|.sbom</c>) and referrers are never checked: they are what the check reads.
/// </summary>
public sealed partial class ImageTrust(ITrustPolicy policy, IManifestIndex index, ILogger<ImageTrust> logger)
{
    /// <summary>True when <paramref name="reference"/> of <paramref name="repository"/> is to be checked.</summary>
    public bool Covers(Repository repository, Reference reference) =>
        !SignatureArtifacts.IsSignatureReference(reference) && policy.Covers(repository);

    /// <exception cref="FailureException">The rule refuses the image.</exception>
    public async Task CheckAsync(Repository repository, Reference reference, Digest digest, CopyTally tally, CancellationToken cancellationToken)
    {
        var verdict = await policy.EvaluateAsync(repository, digest, cancellationToken);
        if (!verdict.Refuses && !verdict.Warns)
        {
            return;
        }

        var text = verdict.Describe($"{digest} in {repository.Name}");
        var image = $"{repository.Name}:{reference}";
        if (verdict.Refuses)
        {
            // The mirror stored the root manifest when the copy read it to be checked; a refused image keeps
            // nothing, not even that (its tags go with it; GC removes the bytes). It was never servable: the
            // rule refuses it on a pull as well.
            if (repository.IsMirror)
            {
                await index.DeleteManifestAsync(repository, digest);
            }

            tally.AddTrustRefused();
            throw new FailureException(new CopyFailed(text, new Denied(text, null)));
        }

        tally.AddTrustWarning(new ImageFailure(image, new CopyFailed(text)));
        LogWarned(image, text);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {Image}: {Verdict}; copied, the rule only warns")]
    private partial void LogWarned(string image, string verdict);
}
