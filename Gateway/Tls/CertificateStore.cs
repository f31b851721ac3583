using System.Net.Security;
using System.Security.Authentication;
using Platform.Security.Tls;

namespace Gateway.Tls;

/// <summary>
/// Holds the certificate Kestrel serves and swaps it when the PEM files change, so a renewed certificate is
/// picked up without a restart. A half-written or mismatched pair is refused and the current one kept.
/// </summary>
internal sealed partial class CertificateStore : IDisposable
{
    // Mozilla "intermediate": TLS 1.3 suites plus ECDHE/DHE with AEAD ciphers for TLS 1.2.
    // (Windows takes its cipher order from the OS; there the policy cannot be set.)
    private static readonly CipherSuitesPolicy? IntermediateCiphers = OperatingSystem.IsWindows() ? null : new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);

    private static readonly List<SslApplicationProtocol> Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ILogger<CertificateStore> _logger;
    private readonly FileChangeWatcher _watcher;
    private volatile SslStreamCertificateContext _current;

    public CertificateStore(string certificatePath, string keyPath, ILogger<CertificateStore> logger)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        _current = PemCertificates.TryLoad(_certificatePath, _keyPath, out var problem)
            ?? throw new InvalidOperationException($"The TLS certificate cannot be loaded: {problem}");
        _watcher = new FileChangeWatcher([_certificatePath, _keyPath], Reload);

        LogServing(_current.TargetCertificate.Subject, _current.TargetCertificate.NotAfter);
    }

    /// <summary>TLS options for one handshake: the current certificate, TLS 1.2/1.3, intermediate ciphers.</summary>
    public SslServerAuthenticationOptions CreateServerOptions() => new()
    {
        ServerCertificateContext = _current,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CipherSuitesPolicy = IntermediateCiphers,
        ApplicationProtocols = Protocols,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
    };

    private void Reload()
    {
        var next = PemCertificates.TryLoad(_certificatePath, _keyPath, out var problem);
        if (next is null)
        {
            LogReloadFailed(problem);
            return;
        }

        if (next.TargetCertificate.Thumbprint == _current.TargetCertificate.Thumbprint)
        {
            return;
        }

        _current = next;
        LogServing(next.TargetCertificate.Subject, next.TargetCertificate.NotAfter);
    }

    public void Dispose() => _watcher.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving TLS certificate {Subject}, valid until {NotAfter:u}")]
    private partial void LogServing(string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "The changed TLS certificate files could not be loaded; still serving the previous certificate: {Problem}")]
    private partial void LogReloadFailed(string? problem);
}
