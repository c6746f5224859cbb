using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Trust;

/// <summary>
/// The signature policy of <c>Trust:Policies</c> (see <see cref="ITrustPolicy"/>). A check reads the manifest
/// itself (bounded), answers a signature artifact with <see cref="TrustVerdict.NotCovered"/> (signatures are
/// always served), and otherwise searches its signatures (<see cref="SignatureSearch"/>) through the registry.
/// A signed index makes its children signed by the same rule and key: they are recorded in the verdict
/// cache as the index is judged, so containerd's pull of a child by digest is answered from there.
/// </summary>
internal sealed partial class TrustPolicy(
    TrustKeyring keyring, TrustOptions options, IContentReader reader, IBlobStore store, IManifestIndex index,
    TrustMetrics metrics, TimeProvider time, ILogger<TrustPolicy> logger, IUpstreamReferrers? upstream = null) : ITrustPolicy
{
    /// <summary>Verdicts kept at most; each is a few hundred bytes.</summary>
    public const int CacheCapacity = 20_000;

    private readonly VerdictCache _verdicts = new(CacheCapacity, options.UnsignedRecheck, time);
    private readonly ConcurrentDictionary<(string Repository, Digest Digest, long Version), Lazy<Task<TrustVerdict>>> _running = new();
    private long _stored; // manifests stored so far, anywhere: a check that saw it move keeps no unsigned verdict

    public bool Covers(Repository repository) => keyring.RuleFor(repository) is { Mode: not TrustMode.Off };

    public async ValueTask<TrustVerdict> EvaluateAsync(Repository repository, Digest digest, CancellationToken cancellationToken)
    {
        if (keyring.RuleFor(repository) is not { Mode: not TrustMode.Off } rule)
        {
            return TrustVerdict.NotCovered;
        }

        var version = keyring.Version;
        if (_verdicts.Get(repository, digest, version) is { } cached)
        {
            return cached;
        }

        // Concurrent first pulls of one image share one check; it goes on when the request that started it
        // ends (its reads are bounded by the reader's own timeouts), and each caller waits with its own token.
        var key = (repository.Name, digest, version);
        var check = _running.GetOrAdd(key, k => new Lazy<Task<TrustVerdict>>(() => CheckAsync(rule, repository, digest, k)));
        return await check.Value.WaitAsync(cancellationToken);
    }

    private async Task<TrustVerdict> CheckAsync(TrustRuleKeys rule, Repository repository, Digest digest, (string, Digest, long Version) key)
    {
        await Task.Yield(); // off the caller's stack: the Lazy's factory must return at once
        var stored = Interlocked.Read(ref _stored);
        try
        {
            var source = new RegistrySignatureSource(repository, reader, store, index, upstream);
            var (verdict, children, verifications) = await JudgeAsync(rule, source, digest, CancellationToken.None);
            metrics.Reached(verdict, verifications);
            if (verdict.State is TrustState.Signed or TrustState.NotCovered || Interlocked.Read(ref _stored) == stored)
            {
                // Not an unsigned verdict that a manifest stored meanwhile (the signature, perhaps) may already contradict.
                _verdicts.Put(repository, digest, key.Version, verdict);
            }

            foreach (var child in children)
            {
                _verdicts.Put(repository, child, key.Version, verdict with { Reason = $"listed by the signed index {digest}" });
            }

            if (verdict.State != TrustState.NotCovered)
            {
                LogVerdict(repository.Name, digest, rule.Name, verdict.State, verdict.KeyName ?? verdict.Reason, verifications);
            }

            return verdict;
        }
        finally
        {
            _running.TryRemove(key, out _); // after the verdict is cached: a caller from now on finds it there
        }
    }

    public async ValueTask<TrustVerdict> EvaluateAsync(Repository repository, Digest digest, ISignatureSource source, CancellationToken cancellationToken)
    {
        if (keyring.RuleFor(repository) is not { Mode: not TrustMode.Off } rule)
        {
            return TrustVerdict.NotCovered;
        }

        var (verdict, _, verifications) = await JudgeAsync(rule, source, digest, cancellationToken);
        metrics.Reached(verdict, verifications);
        return verdict;
    }

    public void ManifestStored(Repository repository, Digest digest)
    {
        Interlocked.Increment(ref _stored);
        _verdicts.DropUnsigned(repository);
    }

    /// <summary>How many verdicts are cached (the console's and tests' view).</summary>
    internal int CachedVerdicts => _verdicts.Count;

    private static async ValueTask<(TrustVerdict Verdict, IReadOnlyList<Digest> Children, int Verifications)> JudgeAsync(
        TrustRuleKeys rule, ISignatureSource source, Digest digest, CancellationToken cancellationToken)
    {
        var children = (IReadOnlyList<Digest>)[];
        if (await source.GetManifestAsync(Reference.ForDigest(digest), SignatureSearch.MaxManifestBytes, cancellationToken) is { } bytes)
        {
            try
            {
                var document = ManifestDocument.Parse(bytes, null);
                if (SignatureArtifacts.IsSignature(document))
                {
                    return (TrustVerdict.NotCovered, [], 0);
                }

                children = [.. document.Manifests.Select(m => m.Digest)];
            }
            catch (FailureException)
            {
                // Not a manifest this registry would store: judged by its signatures alone, with no children.
            }
        }

        var found = await SignatureSearch.FindAsync(source, digest, rule.Keys, cancellationToken);
        var verdict = new TrustVerdict(found.State, rule.Mode, rule.Name, found.KeyName, found.Reason);
        return (verdict, found.State == TrustState.Signed ? children : [], found.Verifications);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trust {Repository}@{Digest} under rule {Rule}: {State} ({Detail}), {Verifications} verifications")]
    private partial void LogVerdict(string repository, Digest digest, string rule, TrustState state, string? detail, int verifications);
}
