using System.Net;
using System.Net.Http.Headers;

namespace OciCache.Benchmarks.Images;

/// <summary>
/// Pushes generated images into a registry (the upstream), skipping blobs it already has: the
/// upstream's storage lives in <c>work/</c> and is reused between runs. Runs as <c>ocibench seed</c>
/// inside the upstream's namespace, so seeding does not cross the emulated WAN.
/// </summary>
internal static class Seeder
{
    public static async Task SeedAsync(Uri registry, string imagesDirectory, IEnumerable<GeneratedImage> images)
    {
        using var client = new HttpClient { BaseAddress = registry, Timeout = TimeSpan.FromMinutes(10) };
        var blobs = ImageGenerator.BlobDirectory(imagesDirectory);
        foreach (var image in images)
        {
            foreach (var blob in image.Blobs)
            {
                using var head = new HttpRequestMessage(HttpMethod.Head, $"/v2/{image.Repository}/blobs/{blob.Digest}");
                using var exists = await client.SendAsync(head);
                if (exists.StatusCode == HttpStatusCode.OK)
                {
                    continue;
                }

                await PushBlobAsync(client, image.Repository, blob, Path.Combine(blobs, blob.Hex));
            }

            foreach (var manifest in image.Manifests)
            {
                await PutManifestAsync(client, image.Repository, manifest.Digest, manifest, blobs);
            }

            await PutManifestAsync(client, image.Repository, image.Tag, image.Root, blobs);
        }
    }

    private static async Task PushBlobAsync(HttpClient client, string repository, BlobRef blob, string path)
    {
        using var post = await client.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Check(post, HttpStatusCode.Accepted, $"upload start for {blob.Digest}");
        var location = post.Headers.Location!.ToString();
        var separator = location.Contains('?') ? '&' : '?';
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 1 << 20);
        content.Headers.ContentLength = blob.Size;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await client.PutAsync($"{location}{separator}digest={blob.Digest}", content);
        Check(put, HttpStatusCode.Created, $"push of {blob.Digest}");
    }

    private static async Task PutManifestAsync(HttpClient client, string repository, string reference, BlobRef manifest, string blobs)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(blobs, manifest.Hex)));
        content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var put = await client.PutAsync($"/v2/{repository}/manifests/{reference}", content);
        Check(put, HttpStatusCode.Created, $"manifest {repository}:{reference}");
    }

    private static void Check(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }
}
