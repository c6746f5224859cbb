using System.Security.Cryptography;
using System.Text;
using OciCache.Auth;

namespace OciCache.Testing;

/// <summary>Robot accounts in memory, until the SQLite store is merged (then the server registers its own).</summary>
public sealed class InMemoryRobotAccounts(TimeProvider time) : IRobotAccounts
{
    private readonly Dictionary<string, (RobotAccount Account, byte[] Hash)> _accounts = new(StringComparer.Ordinal);

    public ValueTask<RobotAccount?> VerifyAsync(string name, string secret, CancellationToken cancellationToken)
    {
        lock (_accounts)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
            return ValueTask.FromResult(_accounts.TryGetValue(name, out var entry) && CryptographicOperations.FixedTimeEquals(hash, entry.Hash) &&
                                        !(entry.Account.ExpiresAt <= time.GetUtcNow())
                ? entry.Account
                : null);
        }
    }

    public ValueTask<(RobotAccount Account, string Secret)> AddAsync(
        string name, IReadOnlyList<RobotScope> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var account = new RobotAccount(name, scopes, time.GetUtcNow(), expiresAt);
        lock (_accounts)
        {
            if (!_accounts.TryAdd(name, (account, SHA256.HashData(Encoding.UTF8.GetBytes(secret)))))
            {
                throw new InvalidOperationException($"robot {name} exists");
            }
        }

        return ValueTask.FromResult((account, secret));
    }

    public ValueTask<IReadOnlyList<RobotAccount>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_accounts)
        {
            return ValueTask.FromResult<IReadOnlyList<RobotAccount>>([.. _accounts.Values.Select(v => v.Account)]);
        }
    }

    public ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        lock (_accounts)
        {
            return ValueTask.FromResult(_accounts.Remove(name));
        }
    }
}
