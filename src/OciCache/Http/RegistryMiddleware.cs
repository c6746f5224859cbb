using Microsoft.AspNetCore.Connections;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Http;

/// <summary>
/// Stamps every response with the API version header Docker-derived clients check, with
/// <c>X-Content-Type-Options: nosniff</c> and with <see cref="IdentityHeader"/>, and turns every failure into OCI error JSON: refusals with
/// their code, anything unexpected as a logged 500 whose body names only the request's id.
/// A client that went away is not an error.
/// </summary>
internal sealed partial class RegistryMiddleware(RequestDelegate next, ILogger<RegistryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Stamp(context.Response);
        try
        {
            await next(context);
        }
        catch (FailureException e) when (!context.Response.HasStarted)
        {
            LogIfStorage(context, e.Failure);
            await FailureResponses.WriteAsync(context, e.Failure);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await FailureResponses.WriteAsync(context, new TooLarge("request body too large", BodyLimits.Describe(context)));
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // The status, not Kestrel's message: the shipped build prints resource keys for those.
            await FailureResponses.WriteAsync(context, new BadRequest(BadRequestDetail(e.StatusCode)));
        }
        catch (Exception e) when (StorageErrors.AsFailure(e) is { } failure && !context.Response.HasStarted)
        {
            // A write of the data volume or the database that found no space, no lock in time or a read-only
            // volume, wherever it was not already turned into a failure: answered as Storage classifies it.
            LogIfStorage(context, failure);
            await FailureResponses.WriteAsync(context, failure);
        }
        catch (Exception e) when (IsClientGone(context, e))
        {
            LogClientGone(context.Request.Method, context.Request.Path);
            context.Abort();
        }
        catch (Exception e)
        {
            LogUnhandled(e, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            if (context.Response.HasStarted)
            {
                context.Abort(); // a truncated body is the only honest way to fail after the headers went out
                return;
            }

            context.Response.Clear();
            Stamp(context.Response);
            // The exception is in the log, under the request's id; the client learns only that id, never
            // the exception's type or message (internals, paths, at worst secrets).
            await FailureResponses.WriteAsync(context, new InternalError($"request {context.TraceIdentifier}; the server log has the details"));
        }
    }

    /// <summary>
    /// Sent by OciCache and by no other registry: a check that a node reaches the cache itself, and not a
    /// registry it fell back to or a proxy in between, looks for it (the Ansible role's reachability check).
    /// </summary>
    public const string IdentityHeader = "OciCache-Registry";

    /// <summary>
    /// The headers every response carries. Stored content (manifests and blobs, pushed or from an upstream)
    /// is served as the type it was stored with and must never be sniffed into a page a browser renders.
    /// </summary>
    public static void Stamp(HttpResponse response)
    {
        response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers[IdentityHeader] = "1";
    }

    /// <summary>One warning for a storage failure, so an operator sees a full or locked store in the log.</summary>
    private void LogIfStorage(HttpContext context, Failure failure)
    {
        var (method, path) = (context.Request.Method, context.Request.Path);
        switch (failure)
        {
            case StorageFull { What: "metadata database" }:
                LogDatabaseFull(method, path);
                break;
            case StorageFull { What: "data volume" }:
                LogVolumeFull(method, path);
                break;
            case StorageUnavailable { RetryAfter: not null }:
                LogDatabaseBusy(method, path);
                break;
            case StorageUnavailable { Detail: "data volume" }:
                LogReadOnly(method, path);
                break;
        }
    }

    private static bool IsClientGone(HttpContext context, Exception e) =>
        context.RequestAborted.IsCancellationRequested &&
        e is OperationCanceledException or ConnectionResetException or IOException;

    private static string BadRequestDetail(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "request body too large",
        StatusCodes.Status408RequestTimeout => "request body not received in time",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "request headers too large",
        _ => $"malformed request ({status})",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error serving {Method} {Path} (request {TraceId})")]
    private partial void LogUnhandled(Exception exception, string method, PathString path, string traceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The metadata database is out of space serving {Method} {Path}")]
    private partial void LogDatabaseFull(string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The metadata database stayed locked by another process past the busy timeout serving {Method} {Path}; answered 503")]
    private partial void LogDatabaseBusy(string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The data volume is out of space serving {Method} {Path}")]
    private partial void LogVolumeFull(string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The data volume is read-only serving {Method} {Path}")]
    private partial void LogReadOnly(string method, PathString path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client went away during {Method} {Path}")]
    private partial void LogClientGone(string method, PathString path);
}
