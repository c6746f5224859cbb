using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OciCache.Auth;

/// <summary>
/// The users of an htpasswd file (<c>user:$2y$…</c>, bcrypt only, as distribution and Zot accept). The file
/// is looked at again (modification time and size) on use, at most once per <see cref="CheckInterval"/> on
/// the injected clock, and re-read when either changed: no restart, and no inotify watch on the data folder.
/// A file that vanished or cannot be read keeps the users last read, with a warning. A user and password that
/// checked are remembered for <see cref="RememberFor"/> (by a SHA-256 of both) until the file is read again.
/// </summary>
public sealed partial class HtpasswdFile
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a verified user and password are remembered (as a hash of both, never the password).</summary>
    public static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(1);

    private const int MaxRemembered = 1024;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private string _dummyHash = BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString("N"), 5);
    private (DateTime Modified, long Size) _seen;
    private long _nextCheck;

    // Clients that send Basic credentials with every request would otherwise pay one bcrypt per request
    // (tens of milliseconds on a small board). Emptied whenever the file is read again.
    private Dictionary<string, DateTimeOffset> _remembered = new(StringComparer.Ordinal);

    public HtpasswdFile(string path, TimeProvider time, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _time = time;
        _logger = logger;
        Reload(force: true);
    }

    public int Count => _hashes.Count;

    public bool Contains(string user)
    {
        Reload(force: false);
        return _hashes.ContainsKey(user);
    }

    /// <summary>
    /// A fingerprint of the user's entry (SHA-256 of its bcrypt hash, cut to 128 bits), null for no such user: it
    /// changes with the password, and without the file's salt nothing can be guessed from it.
    /// </summary>
    public string? Fingerprint(string user)
    {
        Reload(force: false);
        return _hashes.TryGetValue(user, out var hash) ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash)))[..32] : null;
    }

    /// <summary>
    /// True when <paramref name="user"/> is in the file and <paramref name="password"/> is its password. An
    /// unknown user costs one bcrypt comparison too (against a hash of the file's cost), so the time of the
    /// answer does not tell an unknown user from a wrong password; bcrypt's own compare is constant-time.
    /// </summary>
    public bool Verify(string user, string password)
    {
        Reload(force: false);
        var remembered = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}\0{password}")));
        var now = _time.GetUtcNow();
        Dictionary<string, string> hashes;
        string dummy;
        lock (_lock)
        {
            if (_remembered.TryGetValue(remembered, out var until) && now < until)
            {
                return true;
            }

            (hashes, dummy) = (_hashes, _dummyHash);
        }

        var known = hashes.TryGetValue(user, out var hash);
        bool matches;
        try
        {
            matches = BCrypt.Net.BCrypt.Verify(password, known ? hash : dummy);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            matches = false;
        }

        if (known && matches)
        {
            lock (_lock)
            {
                if (ReferenceEquals(hashes, _hashes))
                {
                    if (_remembered.Count >= MaxRemembered)
                    {
                        _remembered.Clear();
                    }

                    _remembered[remembered] = now + RememberFor;
                }
            }
        }

        return known && matches;
    }

    private void Reload(bool force)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!force && now < _nextCheck)
            {
                return;
            }

            _nextCheck = now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
        }

        FileInfo info = new(_path);
        if (!info.Exists)
        {
            LogUnreadable(_logger, _path, "the file does not exist");
            return;
        }

        var seen = (info.LastWriteTimeUtc, info.Length);
        if (!force && seen == _seen)
        {
            return;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(_path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(_logger, _path, e.GetType().Name);
            return;
        }

        var hashes = Parse(lines, out var skipped);
        foreach (var (line, reason) in skipped)
        {
            LogSkipped(_logger, _path, line, reason);
        }

        var cost = hashes.Values.Select(CostOf).FirstOrDefault(c => c > 0, 10);
        var dummy = BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), cost);
        lock (_lock)
        {
            (_hashes, _dummyHash, _seen) = (hashes, dummy, seen);
            _remembered = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }

        LogLoaded(_logger, _path, hashes.Count);
    }

    /// <summary>The bcrypt entries of an htpasswd file; other lines come back as (line number, reason), never with their text.</summary>
    public static Dictionary<string, string> Parse(IEnumerable<string> lines, out List<(int Line, string Reason)> skipped)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        skipped = [];
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                skipped.Add((number, "not user:hash"));
                continue;
            }

            var hash = line[(colon + 1)..];
            if (CostOf(hash) == 0)
            {
                skipped.Add((number, "not a bcrypt hash ($2a$, $2b$ or $2y$; create entries with htpasswd -B)"));
                continue;
            }

            hashes[line[..colon]] = hash;
        }

        return hashes;
    }

    /// <summary>The work factor of a bcrypt hash (<c>$2y$05$…</c>), 0 for anything else.</summary>
    private static int CostOf(string hash) =>
        hash.Length == 60 && hash[0] == '$' && hash[1] == '2' && hash[2] is 'a' or 'b' or 'y' && hash[3] == '$' &&
        int.TryParse(hash.AsSpan(4, 2), out var cost) && hash[6] == '$' ? cost : 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Users read from {Path}: {Count}")]
    private static partial void LogLoaded(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Line {Line} of {Path} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string path, int line, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The htpasswd file {Path} cannot be read ({Reason}); the users last read stay in effect")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
