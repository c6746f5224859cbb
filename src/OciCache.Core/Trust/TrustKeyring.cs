using Microsoft.Extensions.Logging;
using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// The rules of <c>Trust:Policies</c>, compiled, with their keys. Every <c>Trust:ReloadInterval</c> (on the
/// injected clock) each rule's key files and directories are stat-ed; when the set of files, a modification
/// time or a size changed, the rule's keys are read again and <see cref="Version"/> moves on, which makes every
/// cached verdict stale: a key rotation takes effect without a restart. A key file that cannot be read then
/// (half-written during a rotation) leaves the rule's keys as they were, with a warning, until the next look.
/// </summary>
internal sealed partial class TrustKeyring : IDisposable
{
    private readonly IReadOnlyList<TrustRuleKeys> _rules;
    private readonly ILogger<TrustKeyring> _logger;
    private readonly ITimer? _timer;
    private readonly Lock _refresh = new();
    private long _version = 1;

    public TrustKeyring(TrustOptions options, TimeProvider time, ILogger<TrustKeyring> logger)
    {
        _logger = logger;
        _rules = [.. options.Policies.Select((rule, i) => new TrustRuleKeys(
            rule.NameOrDefault(i), rule.Mode, [.. rule.Repositories.Select(RepositoryPattern.Parse)], [.. rule.Keys]))];
        foreach (var rule in _rules)
        {
            rule.Stamp = KeyFileStamp.Of(rule.KeyPaths);
            rule.Keys = Load(rule.KeyPaths); // checked at start by TrustOptionsValidator: a failure here is a race with an edit
        }

        if (_rules.Any(r => r.Mode != TrustMode.Off))
        {
            _timer = time.CreateTimer(_ => Refresh(), null, options.ReloadInterval, options.ReloadInterval);
        }
    }

    /// <summary>Moves on whenever a rule's keys change; part of every verdict's cache key.</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyList<TrustRuleKeys> Rules => _rules;

    /// <summary>The first rule whose patterns match <paramref name="repository"/>, or null.</summary>
    public TrustRuleKeys? RuleFor(Repository repository) =>
        _rules.FirstOrDefault(r => r.Patterns.Any(p => p.IsMatch(repository.Name)));

    /// <summary>Looks at every rule's key files now (the timer's work; tests call it after changing a key).</summary>
    public void Refresh()
    {
        lock (_refresh)
        {
            foreach (var rule in _rules.Where(r => r.Mode != TrustMode.Off))
            {
                var stamp = KeyFileStamp.Of(rule.KeyPaths);
                if (stamp == rule.Stamp)
                {
                    continue;
                }

                try
                {
                    var keys = Load(rule.KeyPaths);
                    rule.Keys = keys;
                    rule.Stamp = stamp;
                    Interlocked.Increment(ref _version);
                    LogReloaded(rule.Name, keys.Count, string.Join(", ", keys.Select(k => k.Name)));
                }
                catch (Exception e) when (e is TrustKeyException or IOException or UnauthorizedAccessException)
                {
                    LogReloadFailed(rule.Name, e.Message);
                }
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

    private static IReadOnlyList<TrustKey> Load(IEnumerable<string> paths) => [.. paths.SelectMany(TrustKey.LoadAll)];

    [LoggerMessage(Level = LogLevel.Information, Message = "trust keys reloaded for rule {Rule}: {Count} keys ({Keys})")]
    private partial void LogReloaded(string rule, int count, string keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "trust keys of rule {Rule} changed but could not be read, the previous keys stay: {Reason}")]
    private partial void LogReloadFailed(string rule, string reason);
}

/// <summary>One compiled rule and the keys it holds now (replaced whole on a reload).</summary>
internal sealed class TrustRuleKeys(string name, TrustMode mode, IReadOnlyList<RepositoryPattern> patterns, IReadOnlyList<string> keyPaths)
{
    private volatile IReadOnlyList<TrustKey> _keys = [];

    public string Name { get; } = name;

    public TrustMode Mode { get; } = mode;

    public IReadOnlyList<RepositoryPattern> Patterns { get; } = patterns;

    public IReadOnlyList<string> KeyPaths { get; } = keyPaths;

    public IReadOnlyList<TrustKey> Keys
    {
        get => _keys;
        set => _keys = value;
    }

    internal string Stamp { get; set; } = "";
}

/// <summary>What a reload compares: every key file's path, modification time and size, in order.</summary>
internal static class KeyFileStamp
{
    public static string Of(IEnumerable<string> paths) => string.Join('\n', paths.SelectMany(Files));

    private static IEnumerable<string> Files(string path)
    {
        if (Directory.Exists(path))
        {
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(path).Where(IsKeyFile).Order(StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return [$"{path} unreadable"];
            }

            return files.Select(Stamp);
        }

        return [Stamp(path)];
    }

    private static bool IsKeyFile(string file) =>
        file.EndsWith(".pub", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".pem", StringComparison.OrdinalIgnoreCase);

    private static string Stamp(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? $"{file} {info.LastWriteTimeUtc.Ticks} {info.Length}" : $"{file} missing";
    }
}
