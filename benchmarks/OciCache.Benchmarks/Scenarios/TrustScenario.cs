using System.Diagnostics;
using System.Text.RegularExpressions;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Reporting;
using OciCache.Oci;
using OciCache.Testing;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// What a signature policy (<c>Trust:Policies</c>, enforce) costs OciCache. The image is signed at the
/// upstream as cosign does (an ECDSA P-256 key made with openssl, the <c>.sig</c> tag) and cached once with
/// the policy on. Then rounds alternate the policy and no policy on the same data folder, each after a
/// restart (no verdict cached): the first manifest GET of the image (with the policy it reaches the cold
/// verdict: signatures looked up, one verification), warm manifest GETs, and a warm <c>ctr images pull</c>
/// of the whole image. The verifications counter is read at the end of each round with the policy: a warm
/// request costs none, so it reads 1.
/// </summary>
internal static partial class TrustScenario
{
    private const string Rule = "signed";

    public static async Task RunAsync(Bench bench)
    {
        var image = bench.Image(bench.Options.TrustImage);
        var peer = bench.OciCache;
        var key = await CosignKey.CreateAsync(Path.Combine(bench.RunDirectory, "trust-keys"), "ci");
        using (var upstream = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(bench.Upstream.Url), Timeout = TimeSpan.FromMinutes(1) })
        {
            var digest = Digest.Parse(image.Root.Digest);
            await upstream.PushAsync(image.Repository, Cosign.SignatureTag(digest), await Cosign.SignatureAsync(key, $"docker.io/{image.Repository}", digest));
        }

        var policy = new Dictionary<string, string>
        {
            ["OCICACHE_TRUST__POLICIES__0__NAME"] = Rule,
            ["OCICACHE_TRUST__POLICIES__0__REPOSITORIES__0"] = $"docker.io/{image.Repository}",
            ["OCICACHE_TRUST__POLICIES__0__KEYS__0"] = key.PublicKeyPath,
            ["OCICACHE_TRUST__POLICIES__0__MODE"] = "enforce",
        };
        await peer.StopAsync();
        await peer.StartAsync(empty: true, policy);
        await bench.WarmUpAsync(peer);
        await bench.WarmAsync(peer, [image]); // refused (and failing the scenario) if the policy did not verify the signature

        // Rounds alternate the two setups (with, without, with, …), each after a restart, so a busy machine
        // weighs on both alike; medians over rounds.
        var with = new Samples();
        var without = new Samples();
        for (var round = 0; round < bench.Options.TrustRounds; round++)
        {
            await MeasureAsync(bench, image, policy, with);
            with.Verifications.Add(await VerificationsAsync(peer.MetricsUrl));
            await MeasureAsync(bench, image, null, without);
        }

        var row = new TrustRow(image.Name, image.PullBytes, Rule,
            Stats.Median(with.FirstGets), Stats.Median(without.FirstGets), Stats.Median(with.ManifestGets), Stats.Median(without.ManifestGets),
            Stats.Median(with.Pulls), Stats.Median(without.Pulls), with.Pulls.Count + without.Pulls.Count, 2 * bench.Options.TrustRounds,
            with.Verifications.Max(), string.Join("; ", with.Errors.Concat(without.Errors)));
        bench.Results.Trust = row;
        bench.Log($"trust {image.Name}: first GET {Format.Ms(row.FirstGetWithPolicy)} with the policy (cold verdict) vs {Format.Ms(row.FirstGetWithout)} without; " +
            $"warm manifest GET {Format.Ms(row.ManifestGetWithPolicy)} vs {Format.Ms(row.ManifestGetWithout)}; " +
            $"warm pull {Format.Bytes(row.PullWithPolicy)}/s vs {Format.Bytes(row.PullWithout)}/s ({Format.Ratio(row.PullWithPolicy / row.PullWithout)}); " +
            $"verifications per round with the policy {row.Verifications?.ToString() ?? "?"} at most");
    }

    /// <summary>One setup's figures over the rounds.</summary>
    private sealed class Samples
    {
        public List<double> FirstGets { get; } = [];

        public List<double> ManifestGets { get; } = [];

        public List<double> Pulls { get; } = [];

        public List<long?> Verifications { get; } = [];

        public List<string> Errors { get; } = [];
    }

    /// <summary>
    /// Restarts OciCache on its data (with <paramref name="environment"/>), then times the first manifest GET,
    /// the warm ones (their median joins the samples) and one warm pull.
    /// </summary>
    private static async Task MeasureAsync(Bench bench, GeneratedImage image, IDictionary<string, string>? environment, Samples samples)
    {
        var peer = bench.OciCache;
        await peer.StopAsync();
        await peer.StartAsync(empty: false, environment);
        await bench.WarmUpAsync(peer); // the warm-up image is not covered: the server is running, the verdict cache empty

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        samples.FirstGets.Add(await ManifestGetAsync(client, peer.Url(image, "manifests", image.Tag)));
        var gets = new List<double>();
        for (var i = 0; i < bench.Options.TrustManifestGets; i++)
        {
            gets.Add(await ManifestGetAsync(client, peer.Url(image, "manifests", image.Tag)));
        }

        samples.ManifestGets.Add(Stats.Median(gets));
        var pull = await bench.Containerd.PullAsync(peer, image, TimeSpan.FromMinutes(5));
        if (pull.Ok)
        {
            samples.Pulls.Add(image.PullBytes / pull.Elapsed.TotalSeconds);
        }
        else
        {
            samples.Errors.Add($"{(environment is null ? "without" : "with")} the policy: {pull.Describe}");
        }
    }

    /// <summary>Seconds to the last byte of a manifest GET.</summary>
    /// <exception cref="InvalidOperationException">It was not answered 200 (a refusal: the signature did not verify).</exception>
    private static async Task<double> ManifestGetAsync(HttpClient client, Uri url)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", HeadLoad.ManifestAccept);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body}");
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task<long?> VerificationsAsync(Uri metrics)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var text = await client.GetStringAsync(metrics);
        return VerificationsLine().Match(text) is { Success: true } m ? long.Parse(m.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"^ocicache_trust_verifications_total(?:\{\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex VerificationsLine();
}
