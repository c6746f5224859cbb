using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Trust;
using OciCache.Upstream;

namespace OciCache.Lifecycle;

/// <summary>
/// The trust check of a copy (sync, prefetch): the image's manifest digest against the <c>Trust:Policies</c>
/// rule that covers the repository the copy stores into, before any of the image is fetched. A tag of a
/// mirror is resolved with an upstream HEAD, which stores nothing. An enforcing rule's refusal throws
/// (<see cref="CopyFailed"/> with a <see cref="Denied"/> inside, naming digest, repository, rule and reason);
/// a warning rule's failure is logged and kept in the run's tally, and the image is copied.
/// Signature tags (<c>sha256-&lt;hex&gt;.sig|.att|.sbom</c>) and referrers are never checked.
/// </summary>
public sealed partial class ImageTrust(ITrustPolicy policy, UpstreamClient upstreams, ILogger<ImageTrust> logger)
{
    /// <summary>True when <paramref name="reference"/> of <paramref name="repository"/> is to be checked.</summary>
    public bool Covers(Repository repository, Reference reference) =>
        !(reference.IsTag && SignatureTag().IsMatch(reference.Tag)) && policy.Covers(repository);

    /// <summary>
    /// Resolves the digest without storing anything (a digest reference is its own; a mirror's tag by an
    /// upstream HEAD) and checks it. Null when the digest could not be had so: the caller checks the digest
    /// its manifest fetch resolves, before it fetches anything else.
    /// </summary>
    /// <exception cref="FailureException">The rule refuses the image.</exception>
    public async Task<Digest?> ResolveAndCheckAsync(Repository repository, Reference reference, CopyTally tally, CancellationToken cancellationToken)
    {
        var digest = reference.IsTag ? await HeadDigestAsync(repository, reference, cancellationToken) : reference.Digest;
        if (digest is { } resolved)
        {
            await CheckAsync(repository, reference, resolved, tally, cancellationToken);
        }

        return digest;
    }

    /// <exception cref="FailureException">The rule refuses the image.</exception>
    public async Task CheckAsync(Repository repository, Reference reference, Digest digest, CopyTally tally, CancellationToken cancellationToken)
    {
        var verdict = await policy.EvaluateAsync(repository, digest, cancellationToken);
        if (!verdict.Refuses && !verdict.Warns)
        {
            return;
        }

        var text = Describe(repository, digest, verdict);
        var image = $"{repository.Name}:{reference}";
        if (verdict.Refuses)
        {
            tally.AddTrustRefused();
            throw new FailureException(new CopyFailed(text, new Denied(text, verdict.Reason)));
        }

        tally.AddTrustWarning(new ImageFailure(image, new CopyFailed(text)));
        LogWarned(image, text);
    }

    /// <summary>The refusal's words, as the registry says them on a pull: digest, repository, rule, mode and reason.</summary>
    public static string Describe(Repository repository, Digest digest, TrustVerdict verdict) =>
        $"{digest} in {repository.Name} is not signed by a key of rule \"{verdict.Rule}\" ({verdict.Mode.ToString().ToLowerInvariant()}): " +
        (verdict.Reason ?? (verdict.State == TrustState.Unsigned ? "no signature found" : "no signature verified"));

    /// <summary>The digest the upstream gives for a mirror's tag (HEAD, Docker-Content-Digest); null when it gives none.</summary>
    private async Task<Digest?> HeadDigestAsync(Repository repository, Reference reference, CancellationToken cancellationToken)
    {
        if (!repository.IsMirror)
        {
            return null;
        }

        var result = await upstreams.HeadManifestAsync(repository, reference, cancellationToken);
        using var response = result.Response;
        return response is not null && response.Headers.TryGetValues("Docker-Content-Digest", out var values) &&
               Digest.TryParse(values.FirstOrDefault(), out var digest)
            ? digest
            : null;
    }

    [GeneratedRegex(@"\Asha(256|512)-[0-9a-f]{64,128}\.(sig|att|sbom)\z", RegexOptions.CultureInvariant)]
    private static partial Regex SignatureTag();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {Image}: {Verdict}; copied, the rule only warns")]
    private partial void LogWarned(string image, string verdict);
}
