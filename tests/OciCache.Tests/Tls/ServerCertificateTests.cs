using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OciCache.Cli;
using OciCache.Tls;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace OciCache.Tests.Tls;

/// <summary>The served certificate follows its files: a renewal is served after the check interval, broken files keep the old one.</summary>
public sealed class ServerCertificateTests : IDisposable
{
    private readonly TempDirectory _temp = new("server-cert");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CapturedLog _log = new();
    private readonly SerilogLoggerFactory _loggers;
    private readonly SiteFiles _files;
    private readonly List<string> _serials = [];

    public ServerCertificateTests()
    {
        _loggers = new SerilogLoggerFactory(new LoggerConfiguration().WriteTo.Sink(_log).CreateLogger(), dispose: true);
        _files = new SiteFiles(_temp.Path);
        Renew();
    }

    [Fact]
    public void Start_LogsSubjectNamesAndExpiry_NotTheKey()
    {
        var served = Create();

        var line = Assert.Single(_log.Events).Message;
        Assert.Contains("CN=ocicache.lan", line);
        Assert.Contains("names ocicache.lan, 127.0.0.1", line);
        Assert.Contains($"valid until {served.Current.Leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}", line);
        Assert.DoesNotContain(File.ReadAllLines(_files.ServerKey)[1][..20], line);
        Assert.True(served.Current.Leaf.HasPrivateKey);
    }

    [Fact]
    public void Current_RenewedFiles_ServedOnlyAfterTheInterval()
    {
        var served = Create();
        var first = served.Current.SerialNumber;

        var renewed = Renew();
        _time.Advance(ServerCertificate.CheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(first, served.Current.SerialNumber);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(renewed, served.Current.SerialNumber);
        Assert.Equal(renewed, served.CurrentContext.TargetCertificate.SerialNumber);
        Assert.Contains(_log.Events, e => e.Message.Contains($"now serving the certificate CN=ocicache.lan") && e.Message.Contains(renewed));
    }

    [Fact]
    public void Current_BrokenRenewal_KeepsTheOldCertificate_WarnsOnce_ThenTakesTheRepairedFiles()
    {
        var served = Create();
        var first = served.Current.SerialNumber;

        File.WriteAllText(_files.ServerCertificate, "-----BEGIN CERTIFICATE-----\nMIIB"); // half written
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(ServerCertificate.CheckInterval);
            Assert.Equal(first, served.Current.SerialNumber);
        }

        var warning = Assert.Single(_log.Events, e => e.Level == LogEventLevel.Warning);
        Assert.Contains($"the certificate {first} is still served", warning.Message);
        Assert.Contains("Tls:Certificate", warning.Message);

        var repaired = Renew();
        _time.Advance(ServerCertificate.CheckInterval);
        Assert.Equal(repaired, served.Current.SerialNumber);
        Assert.Single(_log.Events, e => e.Level == LogEventLevel.Warning);
    }

    [Fact]
    public void Current_KeyOfAnotherPair_KeepsTheOldCertificate()
    {
        var served = Create();
        var first = served.Current.SerialNumber;

        File.Copy(_files.CaKey, _files.ServerKey, overwrite: true);
        _time.Advance(ServerCertificate.CheckInterval);

        Assert.Equal(first, served.Current.SerialNumber);
        Assert.Contains(_log.Events, e => e.Level == LogEventLevel.Warning && e.Message.Contains("Tls:Key"));
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _temp.Dispose();
    }

    private ServerCertificate Create() =>
        new(new TlsSettings { Certificate = _files.ServerCertificate, Key = _files.ServerKey }, _time, _loggers.CreateLogger<ServerCertificate>());

    /// <summary>Issues a new server certificate (the CA kept) and returns its serial number.</summary>
    private string Renew()
    {
        Assert.Equal(0, TlsCommand.Init(_files, ["ocicache.lan", "127.0.0.1"], TimeSpan.FromDays(30), false, _time, TextWriter.Null, TextWriter.Null));
        // A distinct modification time even where the file system's clock is coarse.
        var stamp = File.GetLastWriteTimeUtc(_files.ServerCertificate).AddSeconds(_serials.Count + 1);
        File.SetLastWriteTimeUtc(_files.ServerCertificate, stamp);
        using var issued = X509CertificateLoader.LoadCertificateFromFile(_files.ServerCertificate);
        _serials.Add(issued.SerialNumber);
        return issued.SerialNumber;
    }
}
