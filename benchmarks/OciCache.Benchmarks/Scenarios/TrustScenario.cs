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
/// the policy on. Then, with the policy and again without it (same data folder, each after a restart, so no
/// verdict is cached): the first manifest GET of the image after the restart (with the policy it reaches the
/// cold verdict: signature read from the store, one verification), warm manifest GETs, and warm
/// <c>ctr images pull</c>s of the whole image. The verifications counter is read after the warm pulls: a
/// warm pull costs none.
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

        var with = await MeasureAsync(bench, image, policy);
        var verifications = await VerificationsAsync(peer.MetricsUrl);
        var without = await MeasureAsync(bench, image, null);
        var row = new TrustRow(image.Name, image.PullBytes, Rule,
            with.FirstGet, without.FirstGet, with.ManifestGet, without.ManifestGet,
            with.PullBytesPerSecond, without.PullBytesPerSecond, with.PullsOk + without.PullsOk, with.Pulls + without.Pulls,
            verifications, string.Join("; ", new[] { with.Error, without.Error }.Where(e => e.Length > 0)));
        bench.Results.Trust = row;
        bench.Log($"trust {image.Name}: first GET {Format.Ms(row.FirstGetWithPolicy)} with the policy (cold verdict) vs {Format.Ms(row.FirstGetWithout)} without; " +
            $"warm manifest GET {Format.Ms(row.ManifestGetWithPolicy)} vs {Format.Ms(row.ManifestGetWithout)}; " +
            $"warm pull {Format.Bytes(row.PullWithPolicy)}/s vs {Format.Bytes(row.PullWithout)}/s ({Format.Ratio(row.PullWithPolicy / row.PullWithout)}); " +
            $"verifications after the warm pulls {row.Verifications?.ToString() ?? "?"}");
    }

    private sealed record Measured(double FirstGet, double ManifestGet, double PullBytesPerSecond, int PullsOk, int Pulls, string Error);

    /// <summary>Restarts OciCache on its data (with <paramref name="environment"/>), then the first GET, warm GETs and warm pulls.</summary>
    private static async Task<Measured> MeasureAsync(Bench bench, GeneratedImage image, IDictionary<string, string>? environment)
    {
        var peer = bench.OciCache;
        await peer.StopAsync();
        await peer.StartAsync(empty: false, environment);
        await bench.WarmUpAsync(peer); // the warm-up image is not covered: the server is running, the verdict cache empty

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var first = await ManifestGetAsync(client, peer.Url(image, "manifests", image.Tag));
        var gets = new List<double>();
        for (var i = 0; i < bench.Options.TrustManifestGets; i++)
        {
            gets.Add(await ManifestGetAsync(client, peer.Url(image, "manifests", image.Tag)));
        }

        var pulls = new List<double>();
        var error = "";
        for (var round = 0; round < bench.Options.TrustPullRounds; round++)
        {
            var pull = await bench.Containerd.PullAsync(peer, image, TimeSpan.FromMinutes(5));
            if (pull.Ok)
            {
                pulls.Add(image.PullBytes / pull.Elapsed.TotalSeconds);
            }
            else
            {
                error = $"{(environment is null ? "without" : "with")} the policy: {pull.Describe}";
            }
        }

        return new Measured(first, Stats.Median(gets), Stats.Median(pulls), pulls.Count, bench.Options.TrustPullRounds, error);
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
