using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Endpoints;

/// <summary>end-2/3 (GET, HEAD), end-7 (PUT) and end-9 (DELETE) of the distribution-spec, for manifests.</summary>
internal static class ManifestHandlers
{
    public static Task GetAsync(HttpContext context, Repository repository, string rawReference)
    {
        // A reference that can name no manifest names none that exists: 404, as "Pulling manifests" answers
        // for content not found (the conformance suite pulls ".INVALID_MANIFEST_NAME" expecting it), and
        // as distribution does. Only writes (PUT) reject it as invalid.
        // https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
        if (!Reference.TryParse(rawReference, out var reference))
        {
            throw new FailureException(new ManifestUnknown(rawReference));
        }

        return BlobResponse.ServeAgainIfVanishedAsync(() => ServeAsync(context, repository, reference));
    }

    /// <summary>False when the bytes vanished between lookup and opening (then the caller looks again).</summary>
    private static async Task<bool> ServeAsync(HttpContext context, Repository repository, Reference reference)
    {
        var headOnly = HttpMethods.IsHead(context.Request.Method);
        var reader = context.RequestServices.GetRequiredService<IContentReader>();
        var lookup = await reader.GetManifestAsync(repository, reference, headOnly, context.RequestAborted);
        if (lookup is ManifestLookup.Missing missing)
        {
            await FailureResponses.WriteAsync(context, missing.Failure);
            return true;
        }

        var found = (ManifestLookup.Found)lookup;
        var manifest = found.Manifest;
        await TrustGate.CheckAsync(context, repository, reference, manifest);
        await using var stored = headOnly || found.Content is not null
            ? null
            : await context.RequestServices.GetRequiredService<IBlobStore>().OpenReadAsync(manifest.Digest, context.RequestAborted);
        if (!headOnly && found.Content is null && stored is null)
        {
            return false;
        }

        var response = context.Response;
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Size;
        response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        response.Headers.ETag = $"\"{manifest.Digest}\"";
        if (found.Warning is not null)
        {
            response.Headers.Warning = found.Warning;
        }

        if (!headOnly)
        {
            context.RequestServices.GetRequiredService<Lifecycle.PullCounter>().Count(repository.Name, manifest.Digest);
        }

        if (!headOnly && found.Content is { } content)
        {
            await response.Body.WriteAsync(content, context.RequestAborted);
        }
        else if (stored is not null)
        {
            await stored.Stream.CopyToAsync(response.Body, context.RequestAborted);
        }

        return true;
    }

    public static async Task PutAsync(HttpContext context, Repository repository, string rawReference)
    {
        var reference = ParseReference(rawReference);
        var writer = context.RequestServices.GetRequiredService<ManifestWriter>();
        var audit = context.RequestServices.GetRequiredService<AuditTrail>();
        var previous = audit.Enabled && reference.IsTag
            ? (await context.RequestServices.GetRequiredService<IManifestIndex>().GetTagAsync(repository, reference.Tag, context.RequestAborted))?.Digest
            : null;
        var result = await writer.PutAsync(repository, reference, context.Request.Body, context.Request.ContentType, context.RequestAborted);
        context.RequestServices.GetRequiredService<ITrustPolicy>().ManifestStored(repository, result.Digest); // a signature may have arrived
        audit.Write(context, new AuditEvent("manifest.push", "ok") { Repository = repository.Name, Reference = rawReference, Digest = result.Digest.ToString() });
        if (previous is { } old && old != result.Digest)
        {
            audit.Write(context, new AuditEvent("tag.move", "ok")
            {
                Repository = repository.Name, Reference = rawReference, Digest = result.Digest.ToString(), Detail = $"{old} -> {result.Digest}",
            });
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{repository.Name}/manifests/{result.Digest}";
        response.Headers["Docker-Content-Digest"] = result.Digest.ToString();
        if (result.Subject is { } subject)
        {
            response.Headers["OCI-Subject"] = subject.ToString();
        }

        response.ContentLength = 0;
    }

    public static async Task DeleteAsync(HttpContext context, Repository repository, string rawReference)
    {
        var reference = ParseReference(rawReference);
        var index = context.RequestServices.GetRequiredService<IManifestIndex>();
        var deleted = reference.IsTag
            ? await index.DeleteTagAsync(repository, reference.Tag)
            : await index.DeleteManifestAsync(repository, reference.Digest);
        if (!deleted)
        {
            throw new FailureException(new ManifestUnknown(reference));
        }

        context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("manifest.delete", "ok")
        {
            Repository = repository.Name, Reference = rawReference, Digest = reference.IsTag ? null : reference.Digest.ToString(),
        });

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    private static Reference ParseReference(string raw)
    {
        if (Reference.TryParse(raw, out var reference))
        {
            return reference;
        }

        throw raw.Contains(':')
            ? new FailureException(new DigestInvalid("invalid digest", raw))
            : new FailureException(new TagInvalid(raw));
    }
}
