using OciCache.Observability;

namespace OciCache.Trust;

/// <summary>
/// Signature checks on <c>/metrics</c>: <c>ocicache_trust_verdicts_total{result}</c> counts evaluations that were
/// not answered from the verdict cache (signed, unsigned, invalid), <c>ocicache_trust_verifications_total</c>
/// every signature verification performed (a warm pull adds none), and <c>ocicache_trust_refusals_total{mode}</c>
/// the images a rule refused (enforce) or only warned about (warn).
/// </summary>
public sealed class TrustMetrics(CacheMetrics metrics)
{
    public TallyCounter Verdicts { get; } = metrics.Declare("trust_verdicts", "Signature verdicts reached (not answered from the verdict cache), by result: signed, unsigned, invalid.", null, "result");

    public TallyCounter Verifications { get; } = metrics.Declare("trust_verifications", "Signature verifications performed (cryptographic checks against a rule's keys).", null);

    public TallyCounter Failures { get; } = metrics.Declare("trust_failures", "Manifest requests a signature rule refused (mode enforce) or only warned about (mode warn), by mode.", null, "mode");

    internal void Reached(TrustVerdict verdict, int verifications)
    {
        Verifications.Add(verifications);
        if (verdict.State is TrustState.Signed or TrustState.Unsigned or TrustState.Invalid)
        {
            Verdicts.Add(1, new KeyValuePair<string, object?>("result", verdict.State.ToString().ToLowerInvariant()));
        }
    }
}
