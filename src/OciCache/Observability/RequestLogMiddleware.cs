using System.Diagnostics;

namespace OciCache.Observability;

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
            durations.Observe(context.Request.Path, context.Response.StatusCode, elapsed);
            if (logger.IsEnabled(LogLevel.Information))
            {
                var request = context.Request;
                var bytes = counter.Count > 0 || HttpMethods.IsHead(request.Method) ? counter.Count : context.Response.ContentLength ?? 0;
                LogRequest(request.Method, request.Path + request.QueryString, context.Response.StatusCode, bytes,
                    elapsed.TotalMilliseconds);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} {Bytes}B {ElapsedMs:0.0}ms")]
    private partial void LogRequest(string method, string path, int status, long bytes, double elapsedMs);
}
