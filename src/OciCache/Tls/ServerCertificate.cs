using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OciCache.Tls;

/// <summary>
/// The certificate every TLS handshake presents, read from <see cref="TlsSettings"/>' files and read again
/// when they change: at most every <see cref="CheckInterval"/> (on the injected clock) a handshake compares
/// the files' modification times and sizes with those of the pair it serves, and loads them when they
/// differ. No file watcher: the data folder holds thousands of blob folders, and inotify there is costly.
/// </summary>
/// <remarks>
/// A renewal is often written in two steps (certificate, then key) or caught half-written. Files that do
/// not load keep the certificate served now, with one warning per change of the files; the next change is
/// tried again. The chain context is built once per loaded pair, not per handshake.
/// </remarks>
internal sealed partial class ServerCertificate
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Served _served;
    private FileStamp _failed;
    private long _checkedAt;

    /// <exception cref="InvalidOperationException">The files do not load (the settings were validated before, so they changed since).</exception>
    public ServerCertificate(TlsSettings settings, TimeProvider time, ILogger<ServerCertificate> logger)
    {
        _certificatePath = Path.GetFullPath(settings.Certificate!);
        _keyPath = Path.GetFullPath(settings.Key!);
        _time = time;
        _logger = logger;
        var stamp = CertificateFiles.Stamp(_certificatePath, _keyPath);
        var loaded = CertificateFiles.TryLoad(_certificatePath, _keyPath, out var error) ?? throw new InvalidOperationException(error);
        _served = new Served(loaded, stamp, BuildContext(loaded));
        _checkedAt = time.GetTimestamp();
        LogServing(_logger, loaded.Subject, loaded.Names, loaded.Leaf.NotAfter.ToUniversalTime(), loaded.SerialNumber, _certificatePath);
    }

    /// <summary>The certificate served now (after a check of the files, when one is due).</summary>
    public LoadedCertificate Current => Refresh().Certificate;

    /// <summary>What a handshake presents: the certificate with its chain, ready for <see cref="SslStream"/>.</summary>
    public SslStreamCertificateContext CurrentContext => Refresh().Context;

    private Served Refresh()
    {
        lock (_lock)
        {
            if (_time.GetElapsedTime(_checkedAt) < CheckInterval)
            {
                return _served;
            }

            _checkedAt = _time.GetTimestamp();
            var stamp = CertificateFiles.Stamp(_certificatePath, _keyPath);
            if (stamp == _served.Stamp || stamp == _failed)
            {
                return _served;
            }

            if (CertificateFiles.TryLoad(_certificatePath, _keyPath, out var error) is not { } loaded)
            {
                _failed = stamp;
                LogReloadFailed(_logger, error, _served.Certificate.SerialNumber);
                return _served;
            }

            // The previous context may still be in use by a handshake in flight; it is left to the collector.
            _served = new Served(loaded, stamp, BuildContext(loaded));
            _failed = default;
            LogReloaded(_logger, loaded.Subject, loaded.Names, loaded.Leaf.NotAfter.ToUniversalTime(), loaded.SerialNumber);
            return _served;
        }
    }

    private static SslStreamCertificateContext BuildContext(LoadedCertificate loaded) =>
        SslStreamCertificateContext.Create(loaded.Leaf, loaded.Chain, offline: true);

    private readonly record struct Served(LoadedCertificate Certificate, FileStamp Stamp, SslStreamCertificateContext Context);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS with the certificate {Subject} (names {Names}, valid until {NotAfter:u}, serial {Serial}) from {Path}")]
    private static partial void LogServing(ILogger logger, string subject, string names, DateTime notAfter, string serial, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The TLS files changed: now serving the certificate {Subject} (names {Names}, valid until {NotAfter:u}, serial {Serial})")]
    private static partial void LogReloaded(ILogger logger, string subject, string names, DateTime notAfter, string serial);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TLS files changed but do not load, the certificate {Serial} is still served until they do: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason, string serial);
}
