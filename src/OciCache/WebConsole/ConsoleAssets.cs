namespace OciCache.WebConsole;

/// <summary>
/// The console's three assets, embedded in the binary (nothing is fetched from elsewhere: the board may be
/// offline). Their paths carry a hash of the content, so they are cached for a year as immutable and a new
/// build is fetched at once; an old path answers 404.
/// </summary>
internal static class ConsoleAssets
{
    private static readonly Asset Style = Load("console.css", "text/css; charset=utf-8");
    private static readonly Asset Script = Load("console.js", "text/javascript; charset=utf-8");
    private static readonly Asset Icon = Load("icon.svg", "image/svg+xml");

    public static string StylePath => Style.Path;

    public static string ScriptPath => Script.Path;

    public static string IconPath => Icon.Path;

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder app)
    {
        foreach (var asset in new[] { Style, Script, Icon })
        {
            app.MapMethods(asset.Path, [HttpMethods.Get, HttpMethods.Head], context => ServeAsync(context, asset));
        }

        app.MapGet("/favicon.ico", static context =>
        {
            context.Response.Redirect(Icon.Path, permanent: false);
            return Task.CompletedTask;
        });
        return app;
    }

    private static async Task ServeAsync(HttpContext context, Asset asset)
    {
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(asset.Bytes, context.RequestAborted);
        }
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream("OciCache.WebConsole.Assets." + name)
                           ?? throw new InvalidOperationException($"the console asset {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        var hash = Fnv1a64(bytes).ToString("x16", System.Globalization.CultureInfo.InvariantCulture)[..12];
        var dot = name.LastIndexOf('.');
        return new Asset($"/ui/assets/{name[..dot]}.{hash}{name[dot..]}", contentType, bytes, $"\"{hash}\"");
    }

    /// <summary>
    /// FNV-1a over the bytes: the hash only tells one build's asset from another's, it guards nothing. A
    /// cryptographic hash here would load OpenSSL when the server starts (3.3 MiB of resident memory on an
    /// idle server that has not yet hashed any blob).
    /// </summary>
    private static ulong Fnv1a64(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private sealed record Asset(string Path, string ContentType, byte[] Bytes, string ETag);
}
