using Microsoft.Extensions.DependencyInjection;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Settings;
using OciCache.Storage;
using OciCache.Sync;
using OciCache.Trust;
using OciCache.Upstream;

namespace OciCache;

/// <summary>
/// Registers each section of <see cref="OciCacheCoreOptions"/> with the checks that sit beside its options
/// record, validated when the host starts (<c>ValidateOnStart</c>) and before the first service that takes
/// it is built.
/// </summary>
internal static class OciCacheCoreSettings
{
    public static IServiceCollection AddCoreSettings(this IServiceCollection services, OciCacheCoreOptions options)
    {
        services.AddSettingsSection(options).AddSettingsValidator<OciCacheCoreOptions, OciCacheCoreOptionsValidator>();
        services.AddSettingsSection(options.Cache).AddSettingsValidator<PullThroughOptions, PullThroughOptionsValidator>();
        services.AddSettingsSection(options.UpstreamPolicy)
            .AddSettingsValidator<UpstreamPolicyOptions, UpstreamPolicyOptionsValidator>()
            .AddSettingsValidator<UpstreamPolicyOptions, UpstreamPolicyOptionsRules>();

        // A sync job with Pin keeps what it copies: its repositories join the configured pins.
        services.AddSettingsSection(options.Storage with { Pins = [.. options.Storage.Pins, .. SyncJob.PinPatterns(options.Sync.Jobs)] })
            .AddSettingsValidator<StorageOptions, StorageOptionsValidator>()
            .AddSettingsValidator<StorageOptions, StorageOptionsRules>();
        services.AddSettingsSection(options.GarbageCollection).AddSettingsValidator<GarbageCollectionOptions, GarbageCollectionOptionsValidator>();
        services.AddSettingsSection(options.Scrub).AddSettingsValidator<ScrubOptions, ScrubOptionsValidator>();
        services.AddSettingsSection(options.Prefetch)
            .AddSettingsValidator<PrefetchOptions, PrefetchOptionsValidator>()
            .AddSettingsValidator<PrefetchOptions, PrefetchOptionsRules>();
        services.AddSettingsSection(options.Metadata).AddSettingsValidator<MetadataOptions, MetadataOptionsRules>();
        services.AddSettingsSection(options.Uploads).AddSettingsValidator<UploadOptions, UploadOptionsValidator>();
        services.AddSettingsSection(options.Sync).AddSettingsValidator<SyncOptions, SyncOptionsValidator>();
        services.AddSettingsSection(options.Cluster)
            .AddSettingsValidator<ClusterOptions, ClusterOptionsValidator>()
            .AddSettingsValidator<ClusterOptions, ClusterOptionsRules>();
        services.AddSettingsSection(options.Trust).AddSettingsValidator<TrustOptions, TrustOptionsValidator>();
        return services;
    }
}
