using OciCache.Benchmarks.Images;

namespace OciCache.Benchmarks;

/// <summary>What a run measures and how often. <c>--quick</c> is the CI smoke run: small images, few clients.</summary>
internal sealed record BenchOptions
{
    public bool Quick { get; init; }

    public bool Wan { get; init; } = true;

    public int RateMbit { get; init; } = 50;

    public int OneWayDelayMs { get; init; } = 20;

    public required string OciCacheExecutable { get; init; }

    public required string WorkDirectory { get; init; }

    public required string ResultsDirectory { get; init; }

    /// <summary>Said in the results' conditions (e.g. what else ran on the machine).</summary>
    public string? Note { get; init; }

    /// <summary>Scenario names to run (<see cref="Runner.Scenarios"/>); empty for all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Rounds of the interleaved cold/warm pulls (A B C, A B C, …); medians are over rounds.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Image names to pull in the cold/warm scenario (<c>--images</c>); empty for the mode's set.</summary>
    public IReadOnlySet<string> ImageFilter { get; init; } = new HashSet<string>();

    public IReadOnlyList<ImageSpec> PullImages =>
        (Quick ? [ImageSpec.Small, ImageSpec.Medium] : new[] { ImageSpec.Small, ImageSpec.Medium, ImageSpec.Large, ImageSpec.Huge, ImageSpec.MultiArch })
        .Where(i => ImageFilter.Count == 0 || ImageFilter.Contains(i.Name)).ToList();

    /// <summary>Pulled by 1…N skopeo clients at once.</summary>
    public ImageSpec ConcurrencyImage => ImageSpec.Medium;

    public IReadOnlyList<int> ClientCounts => Quick ? [1, 4] : [1, 4, 16, 32];

    /// <summary>Its largest layer is fetched cold for time to first byte, and warm for throughput.</summary>
    public ImageSpec BigImage => Quick ? ImageSpec.Medium : ImageSpec.Huge;

    public int FirstByteRounds => 3;

    public int ThroughputRounds => 3;

    public ImageSpec FootprintImage => ImageSpec.Footprint(Quick ? 16 : 256);

    public int FootprintClients => 8;

    public int StartupRounds => 5;

    public TimeSpan HeadLoadDuration => TimeSpan.FromSeconds(Quick ? 2 : 10);

    public int HeadLoadConnections => 16;

    public int OfflineManifestRequests => Quick ? 20 : 100;

    /// <summary>Blobs fetched raw on loopback in the fast-link scenario; a quick run keeps them small enough for the smoke run.</summary>
    public IReadOnlyList<ImageSpec> FastLinkImages => Quick ? [ImageSpec.FastLink(32), ImageSpec.FastLink(128)] : [ImageSpec.FastLink(128), ImageSpec.FastLink(1024)];

    /// <summary>Rounds of the fast-link scenario's interleaved cold, warm and direct GETs (<c>--fast-link-rounds</c>).</summary>
    public int FastLinkRounds { get; init; } = 5;

    /// <summary>Fetched cold by <see cref="FastLinkClients"/> clients at once: the largest fast-link blob.</summary>
    public ImageSpec FastLinkConcurrentImage => FastLinkImages[^1];

    public int FastLinkClients => 8;

    /// <summary>
    /// Rounds of the concurrent cold fetch; one in a quick run. Each round of the distribution proxy
    /// moves nine copies of the blob out of the upstream (eight clients and its background store).
    /// </summary>
    public int FastLinkConcurrencyRounds => Quick ? 1 : 3;

    /// <summary>The blob of the scale-out scenario: pulled cold by <see cref="ScaleOutClients"/> clients, its first byte timed, read warm.</summary>
    public ImageSpec ScaleOutImage => ImageSpec.ScaleOut(Quick ? 64 : 256);

    /// <summary>Replicas of the scale-out set behind HAProxy, compared with one replica.</summary>
    public int ScaleOutReplicas => 3;

    /// <summary>Concurrent cold clients of the scale-out blob, spread over the replicas by HAProxy.</summary>
    public int ScaleOutClients => 12;

    /// <summary>Rounds of the concurrent cold fetch per replica count; each starts a fresh database and bucket.</summary>
    public int ScaleOutCopiesRounds => Quick ? 1 : 3;

    /// <summary>Rounds of cold time to first byte per setup (each a fresh database and bucket); the fill-lease overhead is their median.</summary>
    public int ScaleOutFirstByteRounds => Quick ? 3 : 7;

    /// <summary>Rounds of the warm read through HAProxy, and the clients reading at once in each.</summary>
    public int ScaleOutThroughputRounds => Quick ? 2 : 3;

    public int ScaleOutThroughputClients => 6;

    /// <summary>The pinned scenario's cache under test runs on this CPU alone (<c>taskset</c>)…</summary>
    public int PinnedCacheCpu => 1;

    /// <summary>…and its upstream and curl clients share this one.</summary>
    public int PinnedOtherCpu => 0;

    /// <summary>Blobs fetched cold and warm by the pinned scenario; a quick run keeps only the smaller.</summary>
    public IReadOnlyList<ImageSpec> PinnedImages => Quick ? [ImageSpec.FastLink(128)] : [ImageSpec.FastLink(128), ImageSpec.FastLink(1024)];

    /// <summary>Rounds of the pinned scenario's interleaved cold and warm GETs (<c>--pinned-rounds</c>).</summary>
    public int PinnedRounds { get; init; } = 5;

    /// <summary>Fetched cold by <see cref="PinnedClients"/> clients at once, and compared with one client's cold CPU.</summary>
    public ImageSpec PinnedConcurrentImage => ImageSpec.FastLink(128);

    public int PinnedClients => 8;

    public int PinnedConcurrencyRounds => Quick ? 1 : 3;

    /// <summary>How long openssl hashes, and how many MiB .NET hashes, for each measure of the SHA-256 floor.</summary>
    public int PinnedSha256Seconds => Quick ? 1 : 3;

    public int PinnedSha256MiB => Quick ? 512 : 2048;

    /// <summary>The signed image of the trust scenario: cached once, then pulled warm with the policy and without.</summary>
    public ImageSpec TrustImage => Quick ? ImageSpec.Small : ImageSpec.Medium;

    /// <summary>Warm manifest GETs of the trust image per round and setup (with the policy, without).</summary>
    public int TrustManifestGets => Quick ? 20 : 100;

    /// <summary>Rounds of the trust scenario, each a restart with the policy and one without, and a warm <c>ctr images pull</c> in each.</summary>
    public int TrustRounds => Quick ? 3 : 5;

    public IEnumerable<ImageSpec> AllImages =>
        PullImages.Append(ConcurrencyImage).Append(ImageSpec.Warmup).Append(BigImage).Append(FootprintImage).Concat(FastLinkImages)
            .Concat(PinnedImages).Append(ScaleOutImage).Append(TrustImage).Concat(Enumerable.Range(0, ScaleOutReplicas).Select(ImageSpec.ReplicaWarmup)).DistinctBy(i => i.Key);
}
