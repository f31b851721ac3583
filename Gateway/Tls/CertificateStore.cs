using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Platform.Security.Tls;

namespace Gateway.Tls;

/// <summary>
/// Holds the certificate Kestrel serves and swaps it when the PEM files change, so a renewed certificate is
/// picked up without a restart. A half-written or mismatched pair is refused and the current one kept.
/// </summary>
internal sealed partial class CertificateStore : IDisposable
{
    private static readonly List<SslApplicationProtocol> Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ILogger<CertificateStore> _logger;
    private readonly FileChangeWatcher _watcher;
    private readonly CipherSuitesPolicy? _cipherPolicy;
    private volatile SslStreamCertificateContext _current;

    public CertificateStore(string certificatePath, string keyPath, ILogger<CertificateStore> logger, CertificateExpiry expiry)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        _current = PemCertificates.TryLoad(_certificatePath, _keyPath, out var problem)
            ?? throw new InvalidOperationException($"The TLS certificate cannot be loaded: {problem}");
        _watcher = new FileChangeWatcher([_certificatePath, _keyPath], Reload);
        expiry.Observe("public", () => _current.TargetCertificate.NotAfter);

        LogServing(_current.TargetCertificate.Subject, _current.TargetCertificate.NotAfter);

        if (CipherRules.EnforcedByOpenSslAsync(_current).GetAwaiter().GetResult())
        {
            LogResumptionOn();
        }
        else
        {
            _cipherPolicy = CipherRules.Intermediate;
            LogResumptionOff(Environment.GetEnvironmentVariable("OPENSSL_CONF") ?? "(not set)");
        }
    }

    /// <summary>After a renewed certificate is in use.</summary>
    public event Action? Changed;

    /// <summary>The end of the served certificate's validity.</summary>
    public DateTimeOffset NotAfter => new(_current.TargetCertificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>The start of the served certificate's validity.</summary>
    public DateTimeOffset NotBefore => new(_current.TargetCertificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>True when returning clients can resume their TLS sessions (the cipher rules are OpenSSL's).</summary>
    public bool ResumptionEnabled => _cipherPolicy is null;

    /// <summary>
    /// TLS options for one handshake: the current certificate, TLS 1.2/1.3, intermediate ciphers (by OpenSSL's configuration or by policy).
    /// </summary>
    public SslServerAuthenticationOptions CreateServerOptions() =>
        new()
        {
            ServerCertificateContext = _current,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CipherSuitesPolicy = _cipherPolicy,
            ApplicationProtocols = Protocols,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
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
        Changed?.Invoke();
    }

    public void Dispose() => _watcher.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving TLS certificate {Subject}, valid until {NotAfter:u}")]
    private partial void LogServing(string subject, DateTime notAfter);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "TLS session resumption on: OpenSSL's configuration holds the server to the intermediate cipher suites"
    )]
    private partial void LogResumptionOn();

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "TLS session resumption off: OpenSSL's configuration (OPENSSL_CONF={OpenSslConf}) does not restrict the cipher suites, "
            + "so .NET's cipher policy does, and .NET then keeps no TLS session cache. "
            + "Start the gateway with OPENSSL_CONF naming Tls/openssl.cnf (deploy/run.sh and the image do)."
    )]
    private partial void LogResumptionOff(string openSslConf);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The changed TLS certificate files could not be loaded; still serving the previous certificate: {Problem}"
    )]
    private partial void LogReloadFailed(string? problem);
}
