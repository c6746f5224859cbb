using System.Diagnostics;
using OciCache.Http;

namespace OciCache.Telemetry;

/// <summary>
/// One line per request at Information: method, path with query, status, body bytes sent and duration;
/// and its duration in <see cref="RequestDurations"/>. Nothing per request at Warning and above.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, RequestDurations durations, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var counter = new ResponseBytes();
        context.Features.Set(counter);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            durations.Observe(context, elapsed);
            if (logger.IsEnabled(LogLevel.Information))
            {
                var request = context.Request;
                var bytes = counter.Count > 0 || HttpMethods.IsHead(request.Method) ? counter.Count : context.Response.ContentLength ?? 0;
                LogRequest(request.Method, request.Path + LoggedQuery(request), context.Response.StatusCode, bytes,
                    elapsed.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// The query as logged: the values of parameters that carry secrets (the OIDC callback's <c>code</c> and
    /// <c>state</c>, tokens, passwords) become <c>***</c>.
    /// </summary>
    internal static string LoggedQuery(HttpRequest request)
    {
        if (!request.QueryString.HasValue)
        {
            return "";
        }

        if (!request.Query.Keys.Any(IsSecret))
        {
            return request.QueryString.Value!;
        }

        return "?" + string.Join('&', request.Query.SelectMany(q => q.Value.Select(v =>
            $"{Uri.EscapeDataString(q.Key)}={(IsSecret(q.Key) ? "***" : Uri.EscapeDataString(v ?? ""))}")));
    }

    private static bool IsSecret(string name) =>
        name.ToLowerInvariant() is "code" or "state" or "token" or "access_token" or "refresh_token" or "id_token" or "password" or "client_secret";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} {Bytes}B {ElapsedMs:0.0}ms")]
    private partial void LogRequest(string method, string path, int status, long bytes, double elapsedMs);
}
