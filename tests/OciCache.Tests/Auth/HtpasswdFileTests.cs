using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class HtpasswdFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("htpasswd");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Verify_RightPassword_True_WrongPasswordOrUnknownUser_False()
    {
        var path = Write(("alice", "alice-pw"), ("bob", "bob-pw"));
        var file = new HtpasswdFile(path, _time, NullLogger.Instance);

        Assert.True(file.Verify("alice", "alice-pw"));
        Assert.False(file.Verify("alice", "bob-pw"));
        Assert.False(file.Verify("carol", "alice-pw"));
        Assert.False(file.Verify("alice", ""));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    public void DummyHash_IsABcryptHashOfTheCost_SoAnUnknownUserCostsAFullComparison(int cost)
    {
        var dummy = HtpasswdFile.DummyHash(cost);

        // bcrypt parses it (a hash it could not parse would make the comparison an instant failure) and hashes
        // with its salt at its cost: the result starts with the same cost and salt.
        Assert.False(BCrypt.Net.BCrypt.PasswordNeedsRehash(dummy, cost)); // its cost is the one asked for
        Assert.Equal(dummy[..29], BCrypt.Net.BCrypt.HashPassword("any-password", dummy[..29])[..29]);
        Assert.False(BCrypt.Net.BCrypt.Verify("any-password", dummy));
        Assert.False(BCrypt.Net.BCrypt.Verify("", dummy));
    }

    [Fact]
    public void Verify_2yHashOfApacheHtpasswd_Accepted()
    {
        var hash = "$2y$" + BCrypt.Net.BCrypt.HashPassword("pw", 5)[4..];
        var path = _temp.Combine("htpasswd");
        File.WriteAllText(path, $"apache:{hash}\n");

        Assert.True(new HtpasswdFile(path, _time, NullLogger.Instance).Verify("apache", "pw"));
    }

    [Fact]
    public void Parse_NonBcryptLines_SkippedByLineNumberWithoutTheirText()
    {
        var bcrypt = BCrypt.Net.BCrypt.HashPassword("pw", 5);
        var users = HtpasswdFile.Parse(["# comment", "", "md5:$apr1$abc$def", $"ok:{bcrypt}", "sha:{SHA}abcdef=", "nocolon"], out var skipped);

        Assert.Equal(["ok"], users.Keys);
        Assert.Equal([3, 5, 6], skipped.Select(s => s.Line));
        Assert.DoesNotContain(skipped, s => s.Reason.Contains("apr1") || s.Reason.Contains("SHA"));
    }

    [Fact]
    public void Verify_FileChanged_ReloadedAfterCheckInterval_NotBefore()
    {
        var path = Write(("alice", "old-pw"));
        var file = new HtpasswdFile(path, _time, NullLogger.Instance);
        Assert.True(file.Verify("alice", "old-pw"));

        Write(("alice", "new-pw"), ("bob", "bob-pw"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5)); // a change the stat sees even on a coarse clock
        _time.Advance(HtpasswdFile.CheckInterval / 2);
        Assert.True(file.Verify("alice", "old-pw"));

        _time.Advance(HtpasswdFile.CheckInterval);
        Assert.True(file.Verify("alice", "new-pw"));
        Assert.False(file.Verify("alice", "old-pw"));
        Assert.True(file.Verify("bob", "bob-pw"));
    }

    [Fact]
    public void Verify_RememberedSuccess_ForgottenWhenTheFileChanges()
    {
        var path = Write(("alice", "pw"));
        var file = new HtpasswdFile(path, _time, NullLogger.Instance);
        Assert.True(file.Verify("alice", "pw"));

        Write(("bob", "bob-pw"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        _time.Advance(HtpasswdFile.CheckInterval);

        Assert.False(file.Verify("alice", "pw"));
        Assert.False(file.Verify("alice", "other")); // a remembered success never stands in for another password
    }

    [Fact]
    public void Verify_FileDeleted_KeepsUsersLastRead()
    {
        var path = Write(("alice", "pw"));
        var file = new HtpasswdFile(path, _time, NullLogger.Instance);
        File.Delete(path);
        _time.Advance(HtpasswdFile.CheckInterval * 2);

        Assert.True(file.Verify("alice", "pw"));
    }

    [Fact]
    public void Count_FileChanged_ReloadedInTheBackgroundWithoutALookup()
    {
        var path = Write(("alice", "pw"));
        var file = new HtpasswdFile(path, _time, NullLogger.Instance);

        Write(("alice", "pw"), ("bob", "bob-pw"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        _time.Advance(HtpasswdFile.CheckInterval);

        // No Verify or Contains ran: the clock's check read the file, not a request.
        Assert.Equal(2, file.Count);
    }

    [Fact]
    public void Verify_FilePastTheSizeLimit_RefusedWithOneLine_LastGoodUsersKept()
    {
        var path = Write(("alice", "pw"));
        var log = new ListLogger();
        var file = new HtpasswdFile(path, _time, log);

        // Valid entries, then comments up to one byte past the limit.
        var bob = $"bob:{BCrypt.Net.BCrypt.HashPassword("bob-pw", 5)}\n";
        using (var writer = new StreamWriter(path, append: false))
        {
            writer.Write(bob);
            var filler = "#" + new string('x', 1022) + "\n";
            for (long written = bob.Length; written <= HtpasswdFile.MaxBytes; written += filler.Length)
            {
                writer.Write(filler);
            }
        }

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        _time.Advance(HtpasswdFile.CheckInterval);

        Assert.True(file.Verify("alice", "pw"));
        Assert.False(file.Contains("bob"));
        Assert.Equal(1, file.Count);
        var refused = Assert.Single(log.Messages, m => m.Contains("larger than", StringComparison.Ordinal));
        Assert.Contains(path, refused);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }

    private string Write(params (string User, string Password)[] users)
    {
        var path = _temp.Combine("htpasswd");
        File.WriteAllLines(path, users.Select(u => $"{u.User}:{BCrypt.Net.BCrypt.HashPassword(u.Password, 5)}"));
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
