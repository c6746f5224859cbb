using OciCache.Storage;

namespace OciCache.Telemetry;

/// <summary>
/// <c>/readyz</c>: 200 <c>ok</c> while the store takes writes, 503 with the reason while the server shuts
/// down or when the store cannot take writes (a read-only volume, a data folder gone or not writable, the
/// metadata database deleted or replaced since it was opened, or the shared PostgreSQL database or object
/// store out of reach: see <see cref="IMetadataHealth"/> and <see cref="IBlobStore.ProbeWritable"/>); the
/// reason names which. <c>/healthz</c> stays the liveness check: a
/// server that cannot write still serves what it holds. A full volume stays ready, since pulls still
/// stream through and eviction makes room; its writes are refused one by one with 507.
/// </summary>
internal static class ReadinessEndpoint
{
    public static async Task WriteAsync(HttpContext context)
    {
        // Shutting down first: a load balancer or kubelet should send nothing new to a server that is draining.
        var services = context.RequestServices;
        var failure = (services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested
                          ? "the server is shutting down"
                          : null)
                      ?? await services.GetRequiredService<IMetadataHealth>().ProbeAsync(context.RequestAborted)
                      ?? services.GetRequiredService<IBlobStore>().ProbeWritable();
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (failure is null)
        {
            // Offline is ready (it serves what it holds, on purpose), and says so.
            await context.Response.WriteAsync(context.RequestServices.GetRequiredService<OciCache.Upstream.OfflineSwitch>().IsOn
                ? "ok (offline: no upstream is contacted)"
                : "ok");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsync($"not ready: {failure}");
    }
}
