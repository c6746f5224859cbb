using Microsoft.AspNetCore.Http.Features;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Endpoints;

/// <summary>
/// The signature check on manifest GET and HEAD (<c>Trust:Policies</c>), after the lookup and before a byte is
/// sent. Signatures themselves pass unchecked (a cosign tag, or a record whose artifact type is a signature's;
/// the policy answers any other signature manifest as not covered). An image that is not signed is refused
/// under an enforcing rule (403 DENIED naming the rule and why, audited <c>trust.deny</c>) and served with a
/// warning under a warning one (<c>trust.warn</c>), except to an authenticated caller that may push to the
/// repository: the CI robot that pushed the image reads it to sign it (push, sign, deploy). With access control
/// off nobody is exempt.
/// </summary>
internal static partial class TrustGate
{
    /// <exception cref="FailureException"><see cref="Denied"/>: an enforcing rule refuses the image.</exception>
    public static async ValueTask CheckAsync(HttpContext context, Repository repository, Reference reference, ManifestRecord manifest)
    {
        var trust = context.RequestServices.GetRequiredService<ITrustPolicy>();
        if (!trust.Covers(repository) || SignatureArtifacts.IsSignatureReference(reference) || SignatureArtifacts.IsSignatureType(manifest.ArtifactType))
        {
            return;
        }

        var verdict = await trust.EvaluateAsync(repository, manifest.Digest, context.RequestAborted);
        if ((!verdict.Refuses && !verdict.Warns) || await IsExemptAsync(context, repository))
        {
            return;
        }

        var mode = verdict.Refuses ? "enforce" : "warn";
        var reason = verdict.Why;
        var services = context.RequestServices;
        services.GetRequiredService<AuditTrail>().Write(context, new AuditEvent(verdict.Refuses ? "trust.deny" : "trust.warn", verdict.Refuses ? "denied" : "served")
        {
            Repository = repository.Name, Reference = reference.ToString(), Digest = manifest.Digest.ToString(),
            Detail = $"rule {verdict.Rule}: {verdict.State.ToString().ToLowerInvariant()}: {reason}",
        });
        services.GetRequiredService<TrustMetrics>().Failures.Add(1, new KeyValuePair<string, object?>("mode", mode));
        var message = verdict.Describe($"{manifest.Digest} in {repository.Name}");
        if (verdict.Refuses)
        {
            if (HttpMethods.IsHead(context.Request.Method) && context.Features.Get<IHttpResponseFeature>() is { } response)
            {
                // A HEAD answer has no body for the OCI error: clients (containerd) print the status line, so it says why.
                response.ReasonPhrase = "Forbidden: " + new string([.. message.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
            }

            throw new FailureException(new Denied(message, null)); // the message itself: clients print it (containerd: "denied: …")
        }

        LogServedUnsigned(services.GetRequiredService<ILogger<ITrustPolicy>>(), manifest.Digest, repository.Name, verdict.Rule, reason);
    }

    /// <summary>An authenticated caller whose rights on the repository include push (never with access control off).</summary>
    private static async ValueTask<bool> IsExemptAsync(HttpContext context, Repository repository)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        if (!access.Enabled)
        {
            return false;
        }

        var caller = await access.ResolveAsync(context);
        return caller.Identity is { } identity && access.Policy.Allowed(identity, repository.Name, repository.IsMirror).HasFlag(AccessActions.Push);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Served {Digest} of {Repository} although it is not signed by a key of rule {Rule} (warn): {Reason}")]
    private static partial void LogServedUnsigned(ILogger logger, Digest digest, string repository, string? rule, string reason);
}
