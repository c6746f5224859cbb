using System.Text.Json;

namespace OciCache.Http;

/// <summary>Small JSON bodies, written with a true Content-Length (and no body for HEAD).</summary>
internal static class JsonBody
{
    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write, string contentType = "application/json")
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = buffer.WrittenCount;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
        }
    }
}
