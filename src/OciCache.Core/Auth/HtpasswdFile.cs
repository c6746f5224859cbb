using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OciCache.Auth;

/// <summary>
/// The users of an htpasswd file (<c>user:$2y$…</c>, bcrypt only, as distribution and Zot accept). A lookup
/// never touches the file: it uses the users last read. A timer on the injected clock looks at the file
/// (modification time and size) every <see cref="CheckInterval"/> and reads it again, streamed, when either
/// changed: no restart, and no inotify watch on the data folder. A file that vanished, cannot be read, or is
/// larger than <see cref="MaxBytes"/> keeps the users last read, with one warning per change of the file. A
/// user and password that checked are remembered for <see cref="RememberFor"/> (by a SHA-256 of both) until
/// the file is read again.
/// </summary>
public sealed partial class HtpasswdFile : IDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a verified user and password are remembered (as a hash of both, never the password).</summary>
    public static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The largest file read: 8 MiB, about 110,000 bcrypt entries (about 30 MiB of heap once read). A larger
    /// one is refused; sites with more people sign them in through OIDC.
    /// </summary>
    public const long MaxBytes = 8 << 20;

    private const int MaxRemembered = 1024;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private string _dummyHash = DummyHash(5);
    private (DateTime Modified, long Size) _seen;
    private (DateTime Modified, long Size) _refused; // a version of the file not taken: not read again until it changes
    private string? _problem; // the last warning about the file, told once until the file changes again
    private int _checking;

    // Clients that send Basic credentials with every request would otherwise pay one bcrypt per request
    // (tens of milliseconds on a small board). Emptied whenever the file is read again.
    private Dictionary<string, DateTimeOffset> _remembered = new(StringComparer.Ordinal);

    /// <summary>Reads the file (before any request: the server builds this at start) and starts the timer that looks at it again.</summary>
    public HtpasswdFile(string path, TimeProvider time, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _time = time;
        _logger = logger;
        Reload(force: true);
        _timer = time.CreateTimer(static state => ((HtpasswdFile)state!).Check(), this, CheckInterval, CheckInterval);
    }

    public int Count => _hashes.Count;

    public bool Contains(string user) => _hashes.ContainsKey(user);

    /// <summary>
    /// A fingerprint of the user's entry (SHA-256 of its bcrypt hash, cut to 128 bits), null for no such user: it
    /// changes with the password, and without the file's salt nothing can be guessed from it.
    /// </summary>
    public string? Fingerprint(string user) =>
        _hashes.TryGetValue(user, out var hash) ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash)))[..32] : null;

    /// <summary>
    /// True when <paramref name="user"/> is in the file and <paramref name="password"/> is its password. An
    /// unknown user costs one bcrypt comparison too (against a hash of the file's cost), so the time of the
    /// answer does not tell an unknown user from a wrong password; bcrypt's own compare is constant-time.
    /// </summary>
    public bool Verify(string user, string password)
    {
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

    public void Dispose() => _timer.Dispose();

    // The timer's callback: one check at a time, and nothing may escape it (an exception on a timer thread ends the process).
    private void Check()
    {
        if (Interlocked.Exchange(ref _checking, 1) == 1)
        {
            return;
        }

        try
        {
            Reload(force: false);
        }
        catch (Exception e)
        {
            Warn(e.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    private void Reload(bool force)
    {
        FileInfo info = new(_path);
        if (!info.Exists)
        {
            Warn("the file does not exist");
            return;
        }

        var seen = (info.LastWriteTimeUtc, info.Length);
        if (!force && (seen == _seen || seen == _refused))
        {
            return;
        }

        Dictionary<string, string>? hashes;
        List<(int Line, string Reason)> skipped;
        string? refusal;
        try
        {
            hashes = HtpasswdReader.Read(_path, MaxBytes, out skipped, out refusal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e.GetType().Name); // tried again at the next check
            return;
        }
        catch (OutOfMemoryException e)
        {
            // The heap limit the operator set is smaller than this file needs: keep the users, and wait for a change.
            _refused = seen;
            Warn(e.GetType().Name);
            return;
        }

        if (hashes is null)
        {
            _refused = seen;
            if (_problem != refusal)
            {
                LogTooLarge(_logger, _path, refusal!, MaxBytes);
                _problem = refusal;
            }

            return;
        }

        foreach (var (line, reason) in skipped)
        {
            LogSkipped(_logger, _path, line, reason);
        }

        var cost = hashes.Values.Select(CostOf).FirstOrDefault(c => c > 0, 10);
        var dummy = DummyHash(cost);
        lock (_lock)
        {
            (_hashes, _dummyHash, _seen) = (hashes, dummy, seen);
            _remembered = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }

        _problem = null;
        LogLoaded(_logger, _path, hashes.Count);
    }

    /// <summary>
    /// The hash an unknown user's password is compared with: a bcrypt hash of <paramref name="cost"/> with a salt
    /// and a digest of zero bits. Only its cost matters, since an unknown user is refused whatever the comparison
    /// says. It is written out, not computed: computing one at every read of the file cost a bcrypt at start and
    /// drew random bytes from OpenSSL, which a server nobody signed in to has no other use for (3.9 MiB mapped).
    /// </summary>
    internal static string DummyHash(int cost) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"$2a${cost:D2}${new string('.', 22 + 31)}");

    private void Warn(string reason)
    {
        if (_problem != reason)
        {
            LogUnreadable(_logger, _path, reason);
            _problem = reason;
        }
    }

    /// <summary>
    /// The bcrypt entries of an htpasswd file; other lines come back as (line number, reason), never with
    /// their text: the first <see cref="MaxSkippedReported"/> of them.
    /// </summary>
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
                Skip(skipped, number, "not user:hash");
                continue;
            }

            var hash = line[(colon + 1)..];
            if (CostOf(hash) == 0)
            {
                Skip(skipped, number, "not a bcrypt hash ($2a$, $2b$ or $2y$; create entries with htpasswd -B)");
                continue;
            }

            hashes[line[..colon]] = hash;
        }

        return hashes;
    }

    /// <summary>How many skipped lines <see cref="Parse"/> reports (each is one warning in the log).</summary>
    public const int MaxSkippedReported = 20;

    private static void Skip(List<(int Line, string Reason)> skipped, int line, string reason)
    {
        if (skipped.Count < MaxSkippedReported)
        {
            skipped.Add((line, reason));
        }
    }

    /// <summary>The work factor of a bcrypt hash (<c>$2y$05$…</c>), 0 for anything else.</summary>
    private static int CostOf(string hash) =>
        hash.Length == 60 && hash[0] == '$' && hash[1] == '2' && hash[2] is 'a' or 'b' or 'y' && hash[3] == '$' &&
        int.TryParse(hash.AsSpan(4, 2), out var cost) && hash[6] == '$' ? cost : 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Users read from {Path}: {Count}")]
    private static partial void LogLoaded(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Line {Line} of {Path} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string path, int line, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The htpasswd file {Path} is refused: {Size}, larger than the limit of {MaxBytes} bytes; the users last read stay in effect")]
    private static partial void LogTooLarge(ILogger logger, string path, string size, long maxBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The htpasswd file {Path} cannot be read ({Reason}); the users last read stay in effect")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
