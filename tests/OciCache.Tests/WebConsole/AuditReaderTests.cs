using OciCache.Auth;
using OciCache.WebConsole;

namespace OciCache.Tests.WebConsole;

/// <summary><see cref="AuditReader"/> over real files: newest first across rotations, filtered, bounded.</summary>
public sealed class AuditReaderTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new("audit-reader");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_CurrentAndRotatedFiles_NewestFirstAcrossThem()
    {
        var path = _temp.Combine("audit.log");
        Write(path + ".1", Line(0, "robot.add", "admin"), Line(1, "signin", "alice"));
        Write(path, Line(2, "manifest.push", "alice"), Line(3, "signin", "bob"));

        var lines = AuditReader.Read(path, files: 5, new AuditFilter(null, null, null), limit: 10);

        Assert.Equal(["signin", "manifest.push", "signin", "robot.add"], lines.Select(l => l.Action));
        Assert.Equal(Start.AddMinutes(3).UtcDateTime, lines[0].Time);
    }

    [Fact]
    public void Read_WithFilterAndLimit_ReturnsOnlyMatchingNewestLines()
    {
        var path = _temp.Combine("audit.log");
        Write(path, Enumerable.Range(0, 50).Select(i => Line(i, i % 2 == 0 ? "signin" : "manifest.push", i % 3 == 0 ? "alice" : "bob", "site/app")).ToArray());

        var lines = AuditReader.Read(path, files: 0, new AuditFilter("signin", "alice", "site/"), limit: 3);

        Assert.Equal([Start.AddMinutes(48), Start.AddMinutes(42), Start.AddMinutes(36)], lines.Select(l => new DateTimeOffset(l.Time, TimeSpan.Zero)));
    }

    [Fact]
    public void Read_LinesLongerThanABlockAndACutLastLine_ReadsWholeLinesAndSkipsTheCutOne()
    {
        var path = _temp.Combine("audit.log");
        var detail = new string('d', 100_000); // longer than the 64 KiB blocks read backwards
        Write(path, Line(0, "robot.add", "admin", detail: detail), Line(1, "signin", "alice"));
        File.AppendAllText(path, "{\"time\":\"2026-12-01T12:05:00Z\",\"act"); // a crash in the middle of a line

        var lines = AuditReader.Read(path, files: 0, new AuditFilter(null, null, null), limit: 10);

        Assert.Equal(["signin", "robot.add"], lines.Select(l => l.Action));
        Assert.Equal(detail, lines[1].Detail);
    }

    [Fact]
    public void Read_NoFile_ReturnsNothing() =>
        Assert.Empty(AuditReader.Read(_temp.Combine("none.log"), files: 5, new AuditFilter(null, null, null), limit: 10));

    private static string Line(int minute, string action, string who, string? repository = null, string? detail = null) =>
        System.Text.Encoding.UTF8.GetString(AuditLine.From(new AuditEvent(action, "ok") { Who = who, Repository = repository, Detail = detail }, Start.AddMinutes(minute)).ToUtf8Line());

    private static void Write(string path, params string[] lines) => File.WriteAllText(path, string.Concat(lines));
}
