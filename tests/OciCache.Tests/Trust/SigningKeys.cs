using OciCache.Trust;

namespace OciCache.Tests.Trust;

/// <summary>One openssl-made key pair of every type, and a second P-256 pair that no rule trusts; made once per test class.</summary>
public sealed class SigningKeys : IAsyncLifetime
{
    private readonly TempDirectory directory = new("trust-keys");
    private readonly Dictionary<CosignKeyType, CosignKey> keys = [];

    public CosignKey Stranger { get; private set; } = null!;

    public string Directory => directory.Path;

    public CosignKey this[CosignKeyType type] => keys[type];

    public TrustKey Trusted(CosignKeyType type) => TrustKey.Load(keys[type].PublicKeyPath);

    public async Task InitializeAsync()
    {
        foreach (var type in Enum.GetValues<CosignKeyType>())
        {
            keys[type] = await CosignKey.CreateAsync(directory.Combine("keys"), type.ToString().ToLowerInvariant(), type);
        }

        Stranger = await CosignKey.CreateAsync(directory.Combine("stranger"), "stranger");
    }

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}
