using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OciCache.Oci;
using Xunit;

namespace OciCache.Testing;

/// <summary>Wire-level helpers for tests: push content the way clients do, and assert OCI errors.</summary>
public static class RegistryHttp
{
    /// <summary>Pushes a blob with POST then PUT, the flow every registry supports.</summary>
    public static async Task PushBlobAsync(this HttpClient client, string repository, TestBlob blob)
    {
        using var content = new ByteArrayContent(blob.Bytes);
        await client.PushBlobAsync(repository, blob.Digest, content);
    }

    /// <summary>Pushes a blob given as any content (a stream for big ones) with POST then PUT.</summary>
    public static async Task PushBlobAsync(this HttpClient client, string repository, Digest digest, HttpContent content)
    {
        using var post = await client.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Assert.True(post.StatusCode == HttpStatusCode.Accepted, $"upload start in {repository}: {await Describe(post)}");
        var location = post.Headers.Location!.ToString();
        var separator = location.Contains('?') ? '&' : '?';
        using var put = await client.PutAsync($"{location}{separator}digest={digest}", content);
        Assert.True(put.StatusCode == HttpStatusCode.Created, $"push of {digest} to {repository}: {await Describe(put)}");
    }

    public static async Task<HttpResponseMessage> PutManifestAsync(this HttpClient client, string repository, string reference, TestBlob manifest)
    {
        var content = new ByteArrayContent(manifest.Bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        return await client.PutAsync($"/v2/{repository}/manifests/{reference}", content);
    }

    public static async Task PushManifestAsync(this HttpClient client, string repository, string reference, TestBlob manifest)
    {
        using var response = await client.PutManifestAsync(repository, reference, manifest);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"manifest push to {repository}:{reference}: {await Describe(response)}");
    }

    public static async Task PushImageAsync(this HttpClient client, string repository, string reference, TestImage image)
    {
        foreach (var blob in image.Blobs)
        {
            await client.PushBlobAsync(repository, blob);
        }

        await client.PushManifestAsync(repository, reference, image.Manifest);
    }

    /// <summary>Asserts status and OCI error code, and that the body is the spec's error JSON.</summary>
    public static async Task AssertOciErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {await Describe(response)}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var errors = json.RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("code").GetString() == code);
        Assert.All(errors.EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    public static async Task<string> Describe(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.StatusCode}: {await response.Content.ReadAsStringAsync()}";

    public static HttpRequestMessage Request(HttpMethod method, string path, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    public static Digest DigestOf(byte[] bytes) => Digest.ComputeSha256(bytes);
}
