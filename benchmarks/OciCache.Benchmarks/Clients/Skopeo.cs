using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;

namespace OciCache.Benchmarks.Clients;

/// <summary><c>skopeo copy</c> of the host platform into a fresh <c>dir:</c>, one process per client.</summary>
internal static class Skopeo
{
    public static async Task<ExecResult> CopyAsync(Peer peer, GeneratedImage image, string destination, TimeSpan timeout)
    {
        await Exec.RunAsync(null, "rm", ["-rf", destination]);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        try
        {
            return await Exec.RunAsync(null, "skopeo",
                ["--insecure-policy", "copy", "--src-tls-verify=false", "--quiet", peer.SkopeoSource(image), $"dir:{destination}"], timeout);
        }
        finally
        {
            await Exec.RunAsync(null, "rm", ["-rf", destination]);
        }
    }
}
