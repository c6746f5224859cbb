using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace OciCache.Tests.Auth;

public sealed class JsonLinesAuditLogTests : IDisposable
{
    private readonly TempDirectory _temp = new("audit");
    private readonly CapturedLog _log = new();
    private readonly SerilogLoggerFactory _loggers;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 13, 14, 15, 678, TimeSpan.Zero));

    public JsonLinesAuditLogTests()
    {
        _loggers = new SerilogLoggerFactory(new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_log).CreateLogger(), dispose: true);
    }

    private string LogPath => _temp.Combine("audit.log");

    public void Dispose()
    {
        _loggers.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Write_FullEvent_IsOneCompactJsonLineWithEveryField()
    {
        await using (var audit = Create())
        {
            audit.Write(new AuditEvent("manifest.push", "ok")
            {
                Who = "robot$ci", Source = "10.0.0.7", Repository = "site/app", Reference = "v1",
                Digest = "sha256:" + new string('a', 64), Detail = "tag moved from sha256:bb",
            });
        }

        var text = await File.ReadAllTextAsync(LogPath);
        Assert.EndsWith("\n", text);
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(": ", line); // compact
        Assert.StartsWith("""{"time":"2026-12-01T13:14:15.678Z","action":"manifest.push","result":"ok",""", line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(["time", "action", "result", "who", "source", "repository", "reference", "digest", "detail"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(_time.GetUtcNow(), root.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("robot$ci", root.GetProperty("who").GetString());
        Assert.Equal("10.0.0.7", root.GetProperty("source").GetString());
        Assert.Equal("site/app", root.GetProperty("repository").GetString());
        Assert.Equal("v1", root.GetProperty("reference").GetString());
        Assert.Equal("sha256:" + new string('a', 64), root.GetProperty("digest").GetString());
        Assert.Equal("tag moved from sha256:bb", root.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Write_EventWithoutOptionalFields_LeavesThemOut()
    {
        await using (var audit = Create())
        {
            audit.Write(new AuditEvent("signin", "unauthorized") { Source = "10.0.0.9" });
        }

        using var json = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(LogPath)));
        Assert.Equal(["time", "action", "result", "source"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Write_FieldsWithNewlinesAndQuotes_StayOnOneLine()
    {
        await using (var audit = Create())
        {
            audit.Write(new AuditEvent("policy.deny", "denied") { Repository = "site/app", Reference = "latest\n{\"action\":\"forged\"}", Detail = "a\r\nb" });
            audit.Write(new AuditEvent("signin", "ok") { Who = "alice" });
        }

        var lines = await File.ReadAllLinesAsync(LogPath);
        Assert.Equal(2, lines.Length);
        using var json = JsonDocument.Parse(lines[0]);
        Assert.Equal("latest\n{\"action\":\"forged\"}", json.RootElement.GetProperty("reference").GetString());
        Assert.Equal("a\r\nb", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Write_TimeFromTheInjectedClock_EachEventItsOwn()
    {
        await using (var audit = Create())
        {
            audit.Write(new AuditEvent("signin", "ok"));
            _time.Advance(TimeSpan.FromHours(25));
            audit.Write(new AuditEvent("signin", "ok"));
        }

        var times = (await File.ReadAllLinesAsync(LogPath)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("time").GetString());
        Assert.Equal(["2026-12-01T13:14:15.678Z", "2026-12-02T14:14:15.678Z"], times);
    }

    [Fact]
    public async Task Write_ToAnExistingFile_Appends()
    {
        await File.WriteAllTextAsync(LogPath, """{"time":"2026-11-30T00:00:00Z","action":"signin","result":"ok"}""" + "\n");

        await using (var audit = Create())
        {
            audit.Write(new AuditEvent("robot.add", "ok"));
        }

        var lines = await File.ReadAllLinesAsync(LogPath);
        Assert.Equal(["signin", "robot.add"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Flush_AfterWrites_HasThemInTheFileWhileTheLogStaysOpen()
    {
        await using var audit = Create();
        for (var i = 0; i < 50; i++)
        {
            audit.Write(new AuditEvent("manifest.push", "ok") { Reference = $"v{i}" });
        }

        await audit.FlushAsync();

        Assert.Equal(50, (await ReadSharedAsync(LogPath)).Length);
    }

    [Fact]
    public async Task Write_PastMaxBytes_RotatesAndKeepsFilesRotatedFiles()
    {
        var options = new AuditLogOptions { MaxBytes = 1000, Files = 3 };
        var total = 200;
        await using (var audit = Create(options))
        {
            for (var i = 0; i < total; i++)
            {
                audit.Write(new AuditEvent("manifest.push", "ok") { Reference = $"v{i:000}" });
            }
        }

        Assert.Equal(["audit.log", "audit.log.1", "audit.log.2", "audit.log.3", "audit.log.lock"],
            Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var kept = new List<int>();
        foreach (var file in new[] { "audit.log.3", "audit.log.2", "audit.log.1", "audit.log" })
        {
            Assert.InRange(new FileInfo(_temp.Combine(file)).Length, 1, options.MaxBytes);
            kept.AddRange((await File.ReadAllLinesAsync(_temp.Combine(file)))
                .Select(l => int.Parse(JsonDocument.Parse(l).RootElement.GetProperty("reference").GetString()![1..])));
        }

        // The newest events, in order, without a gap: what rotation dropped is only the oldest.
        Assert.Equal(Enumerable.Range(total - kept.Count, kept.Count), kept);
        Assert.True(kept.Count < total, "rotation dropped the oldest files");
    }

    [Fact]
    public async Task Write_LineLargerThanMaxBytes_IsWrittenWhole()
    {
        await using (var audit = Create(new AuditLogOptions { MaxBytes = 100, Files = 1 }))
        {
            audit.Write(new AuditEvent("manifest.push", "ok") { Detail = new string('x', 300) });
            audit.Write(new AuditEvent("manifest.push", "ok") { Detail = new string('y', 300) });
        }

        Assert.Contains(new string('x', 300), await File.ReadAllTextAsync(LogPath + ".1"));
        Assert.Contains(new string('y', 300), await File.ReadAllTextAsync(LogPath));
    }

    [Fact]
    public async Task Write_FromManyThreads_LosesNoLine()
    {
        const int threads = 8, each = 2_000;
        await using (var audit = Create(new AuditLogOptions { MaxBytes = 256 * 1024, Files = 100 }))
        {
            using var start = new Barrier(threads);
            await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < each; i++)
                {
                    audit.Write(new AuditEvent("manifest.push", "ok") { Who = $"t{t}", Reference = $"{i}" });
                }
            }, TaskCreationOptions.LongRunning)));
        }

        var lines = Directory.GetFiles(_temp.Path, "audit.log*").Where(f => !f.EndsWith(".lock")).SelectMany(File.ReadAllLines).ToList();
        Assert.True(Directory.GetFiles(_temp.Path, "audit.log.*").Length > 2, "the writes rotated files too");
        var seen = lines.Select(l => JsonDocument.Parse(l).RootElement).Select(e => (e.GetProperty("who").GetString(), e.GetProperty("reference").GetString())).ToHashSet();
        Assert.Equal(threads * each, lines.Count);
        Assert.Equal(threads * each, seen.Count);
    }

    /// <summary>The server and <c>ocicache robot add</c> append to one file: two writers, each with its own open file.</summary>
    [Fact]
    public async Task Write_TwoLogsOnOneFile_LoseNoLineAndRotateTogether()
    {
        const int each = 3_000;
        var options = new AuditLogOptions { MaxBytes = 64 * 1024, Files = 1000 };
        await using (var server = Create(options))
        await using (var cli = Create(options))
        {
            await Task.WhenAll(
                WriteManyAsync(server, "server", each),
                WriteManyAsync(cli, "cli", each));
        }

        var files = Directory.GetFiles(_temp.Path, "audit.log*").Where(f => !f.EndsWith(".lock")).ToList();
        Assert.True(files.Count > 2, "the writes rotated");
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, options.MaxBytes));
        var lines = files.SelectMany(File.ReadAllLines).ToList();
        Assert.Equal(2 * each, lines.Count);
        Assert.Equal(2 * each, lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("who").GetString(), e.GetProperty("reference").GetString())).Distinct().Count());
    }

    [Fact]
    public async Task Write_WhileAnotherProcessHoldsTheLock_WaitsAndThenAppendsAfterItsLines()
    {
        await using var audit = Create();
        Task flushed;
        await using (new FileStream(LogPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            await File.WriteAllTextAsync(LogPath, """{"time":"2026-12-01T00:00:00Z","action":"robot.add","result":"ok"}""" + "\n");
            audit.Write(new AuditEvent("signin", "ok"));
            flushed = audit.FlushAsync();

            await Eventually.TrueAsync(() => audit.File.LockWaits > 0, "the writer found the lock held");
            Assert.False(flushed.IsCompleted);
            Assert.Single(await File.ReadAllLinesAsync(LogPath));
        }

        await flushed;
        var actions = (await File.ReadAllLinesAsync(LogPath)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("action").GetString());
        Assert.Equal(["robot.add", "signin"], actions);
    }

    [Fact]
    public async Task Write_FileCannotBeWritten_LogsOnceAndNeverThrows()
    {
        await File.WriteAllTextAsync(_temp.Combine("not-a-folder"), "");
        var path = _temp.Combine("not-a-folder", "audit.log");

        await using (var audit = new JsonLinesAuditLog(new AuditLogOptions(), path, _time, _loggers.CreateLogger<JsonLinesAuditLog>()))
        {
            for (var i = 0; i < 5; i++)
            {
                audit.Write(new AuditEvent("signin", "unauthorized"));
                await audit.FlushAsync(); // each event its own failed batch
            }
        }

        var errors = _log.Events.Where(e => e.Level >= LogEventLevel.Warning).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(LogEventLevel.Error, error.Level);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Write_DiskFullThenSpaceAgain_LogsOnceKeepsWholeLinesAndRecovers()
    {
        await using var disk = await SmallFilesystem.MountAsync(64 * 1024);
        var path = Path.Combine(disk.Path, "audit.log");
        await File.WriteAllBytesAsync(Path.Combine(disk.Path, "filler"), new byte[60 * 1024]);

        await using (var audit = new JsonLinesAuditLog(new AuditLogOptions(), path, _time, _loggers.CreateLogger<JsonLinesAuditLog>()))
        {
            for (var i = 0; i < 200; i++)
            {
                audit.Write(new AuditEvent("manifest.push", "ok") { Reference = $"v{i}", Detail = new string('d', 100) });
                await audit.FlushAsync();
            }

            File.Delete(Path.Combine(disk.Path, "filler"));
            audit.Write(new AuditEvent("manifest.push", "ok") { Reference = "after" });
        }

        Assert.Single(_log.Events, e => e.Level == LogEventLevel.Error && e.Message.Contains(path));
        Assert.Single(_log.Events, e => e.Level == LogEventLevel.Warning && e.Message.Contains("is written again"));
        var lines = await File.ReadAllLinesAsync(path);
        Assert.InRange(lines.Length, 2, 199); // some fit, some did not
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose()); // no line half-written
        Assert.Equal("after", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("reference").GetString());
    }

    [Fact]
    public void Dispose_Synchronous_WritesEveryQueuedEventFirst()
    {
        var audit = Create();
        for (var i = 0; i < 600; i++) // more than one batch
        {
            audit.Write(new AuditEvent("manifest.push", "ok") { Reference = $"v{i}" });
        }

        audit.Dispose();

        Assert.Equal(600, File.ReadAllLines(LogPath).Length);
    }

    [Fact]
    public async Task Write_AfterDispose_IsLoggedAsLostAndDoesNotThrow()
    {
        var audit = Create();
        audit.Write(new AuditEvent("signin", "ok"));
        await audit.DisposeAsync();

        audit.Write(new AuditEvent("robot.remove", "ok"));
        await audit.FlushAsync();

        Assert.Single(await File.ReadAllLinesAsync(LogPath));
        Assert.Contains(LogEventLevel.Error, _log.Events.Where(e => e.Message.Contains("(robot.remove) came after")).Select(e => e.Level));
    }

    [Fact]
    public void Constructor_BadOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(new AuditLogOptions { MaxBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(new AuditLogOptions { Files = -1 }));
    }

    [Fact]
    public void AuditEvent_Properties_HoldNoSecretField()
    {
        // The contract: an audit line can carry only these; none is a password, secret or token.
        Assert.Equal(["Action", "Count", "Detail", "Digest", "Reference", "Repository", "Result", "Source", "Who"],
            typeof(AuditEvent).GetProperties().Where(p => p.Name != "EqualityContract").Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    private JsonLinesAuditLog Create(AuditLogOptions? options = null) =>
        new(options ?? new AuditLogOptions(), LogPath, _time, _loggers.CreateLogger<JsonLinesAuditLog>());

    /// <summary>Writes in small batches (a flush after every few), so the two writers' batches interleave often.</summary>
    private static async Task WriteManyAsync(JsonLinesAuditLog audit, string who, int count)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            audit.Write(new AuditEvent("manifest.push", "ok") { Who = who, Reference = $"{i}" });
            if (i % 10 == 9)
            {
                await audit.FlushAsync();
            }
        }
    }

    private static async Task<string[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
