using System.Security.Cryptography;
using System.Text;
using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IRobotAccounts"/> on the stored rows of <see cref="IRobotStore"/>: secrets made and checked here,
/// only their hashes handed to the store; expiry by the injected clock.
/// </summary>
/// <remarks>
/// A secret is <see cref="RobotSecret"/>: 32 random bytes, so it is stored as its plain SHA-256. A slow
/// password hash (bcrypt, Argon2) exists to make guessing a low-entropy password from its hash expensive;
/// 256 random bits cannot be guessed however fast the hash is, and a fast hash keeps every sign-in cheap.
/// </remarks>
internal sealed class RobotAccounts(IRobotStore store, TimeProvider time) : IRobotAccounts
{
    /// <summary>Compared against when the name is unknown, so that answer costs what a wrong secret does.</summary>
    private static readonly byte[] NoAccountHash = new byte[SHA256.HashSizeInBytes];

    public async ValueTask<RobotAccount?> VerifyAsync(string name, string secret, CancellationToken cancellationToken)
    {
        var row = RobotName.IsValid(name) ? await store.FindAsync(name, cancellationToken) : null;
        var matches = CryptographicOperations.FixedTimeEquals(Hash(secret), row?.SecretHash ?? NoAccountHash);
        return matches && row is not null && ToAccount(row) is var account && !IsExpired(account) ? account : null;
    }

    public async ValueTask<(RobotAccount Account, string Secret)> AddAsync(
        string name, IReadOnlyList<RobotScope> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        if (!RobotName.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a robot account name ({RobotName.Rule}).", nameof(name));
        }

        if (scopes.Count == 0)
        {
            throw new ArgumentException("A robot account needs at least one scope.", nameof(scopes));
        }

        var secret = RobotSecret.Create();
        var created = FromMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var account = new RobotAccount(name, [.. scopes], created, expiresAt is { } e ? FromMilliseconds(e.ToUnixTimeMilliseconds()) : null);
        var added = await store.TryAddAsync(
            new RobotRecord(name, Hash(secret), [.. scopes.Select(s => s.ToString())], created, account.ExpiresAt), cancellationToken);
        return added ? (account, secret) : throw new RobotAccountExistsException(name);
    }

    public async ValueTask<IReadOnlyList<RobotAccount>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(cancellationToken)).Select(ToAccount)];

    public async ValueTask<RobotAccount?> FindAsync(string name, CancellationToken cancellationToken) =>
        RobotName.IsValid(name) && await store.FindAsync(name, cancellationToken) is { } row && ToAccount(row) is var account && !IsExpired(account)
            ? account
            : null;

    public async ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await store.RemoveAsync(name, cancellationToken);

    /// <summary>Expired at <see cref="RobotAccount.ExpiresAt"/> itself, by the injected clock.</summary>
    private bool IsExpired(RobotAccount account) => account.ExpiresAt is { } expires && time.GetUtcNow() >= expires;

    private static RobotAccount ToAccount(RobotRecord row) =>
        new RobotAccount(row.Name, ParseScopes(row.Scopes), row.CreatedAt, row.ExpiresAt)
        {
            Credential = Convert.ToHexStringLower(SHA256.HashData(row.SecretHash))[..32],
        };

    /// <summary>SHA-256 of the secret's UTF-8 text, whatever the text is (a malformed secret costs the same).</summary>
    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>A stored scope that no longer parses is left out: the account gets less, never more.</summary>
    private static List<RobotScope> ParseScopes(IEnumerable<string> texts) =>
        [.. texts.Select(t => RobotScope.TryParse(t, out var scope, out _) ? scope : null).OfType<RobotScope>()];

    private static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
