using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Http;

/// <summary>
/// The one place OCI error JSON is written:
/// <c>{"errors":[{"code":"…","message":"…","detail":"…"}]}</c> with the status the code maps to.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes</remarks>
internal static class OciErrorWriter
{
    public static Task WriteAsync(HttpContext context, RegistryException error) =>
        WriteAsync(context, error.Code, error.Message, error.Detail, error.Headers);

    public static Task WriteAsync(
        HttpContext context, OciErrorCode code, string message, string? detail = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var response = context.Response;
        response.StatusCode = code.Status();
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
        }

        if (code == OciErrorCode.Unauthorized && !response.Headers.ContainsKey("WWW-Authenticate"))
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"ocicache\"";
        }

        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("errors");
            w.WriteStartObject();
            w.WriteString("code", code.Wire());
            w.WriteString("message", message);
            if (detail is not null)
            {
                w.WriteString("detail", detail);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}

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
