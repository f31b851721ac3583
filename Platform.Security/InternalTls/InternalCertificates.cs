using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Platform.Security.Tls;

namespace Platform.Security.InternalTls;

/// <summary>
/// This process's internal certificate and the deployment CA(s) it trusts, re-read when their files change (as the
/// gateway's public certificate is): new connections use the renewed files, a half-written or mismatched set is
/// refused and the current one kept. Peers are trusted only through the deployment CA, never the system's roots.
/// </summary>
public sealed partial class InternalCertificates : IDisposable
{
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly InternalTlsSettings _settings;
    private readonly ILogger<InternalCertificates> _logger;
    private readonly FileChangeWatcher _watcher;
    private volatile Loaded _current;

    public InternalCertificates(InternalTlsSettings settings, ILogger<InternalCertificates> logger, CertificateExpiry expiry)
    {
        _settings = settings;
        _logger = logger;
        _current = TryLoad(settings, out var problem) ?? throw new InvalidOperationException(problem);
        _watcher = new FileChangeWatcher([settings.AuthorityPath, settings.CertificatePath, settings.KeyPath], Reload);
        LogUsing(_current.Certificate.Subject, _current.Certificate.NotAfter);
        expiry.Observe("internal", () => _current.Certificate.NotAfter);
    }

    /// <summary>What this process presents, as a server and as a client.</summary>
    public X509Certificate2 Certificate => _current.Certificate;

    /// <summary>Kestrel's TLS for a service: its certificate, and a certificate from the deployment CA asked of every client.</summary>
    public void ConfigureServer(HttpsConnectionAdapterOptions https)
    {
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        https.ServerCertificateSelector = (_, _) => _current.Certificate;
        // Allow rather than require, so a client without one gets a clear 403 (and probes still work); one that
        // presents a certificate from anywhere else fails the handshake.
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
        https.CheckCertificateRevocation = false;
        https.ClientCertificateValidation = (certificate, _, _) => Trusts(certificate, ClientAuthentication, "client");
    }

    /// <summary>A caller's connections to the services: this certificate presented, the server's checked against the deployment CA.</summary>
    public void ConfigureClient(SocketsHttpHandler handler)
    {
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _current.Certificate,
            // The host name must match and a certificate be presented; the chain is judged against the deployment CA only.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && certificate is X509Certificate2 server
                && Trusts(server, ServerAuthentication, "server"),
        };
        // Renewed certificates reach pooled connections too.
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    }

    /// <summary>A handler for an HttpClient that calls a service.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler();
        ConfigureClient(handler);
        return handler;
    }

    /// <summary>True when <paramref name="peer"/> chains to a current deployment CA and may be used for <paramref name="purpose"/>.</summary>
    public bool Trusts(X509Certificate2 peer, Oid purpose) => Chains(peer, _current.Authorities, purpose, out _);

    private bool Trusts(X509Certificate2 peer, Oid purpose, string role)
    {
        if (Chains(peer, _current.Authorities, purpose, out var status))
        {
            return true;
        }

        LogRefused(role, peer.Subject, status);
        return false;
    }

    /// <summary>Loads the three files and checks that the certificate is one the CA issued; null with a problem otherwise.</summary>
    internal static Loaded? TryLoad(InternalTlsSettings settings, out string? problem)
    {
        var authorities = PemCertificates.TryLoadAuthorities(settings.AuthorityPath, out problem);
        if (authorities is null)
        {
            problem = $"{InternalTlsSettings.AuthorityVariable} cannot be used: {problem}";
            return null;
        }

        var certificate = PemCertificates.TryLoadLeaf(settings.CertificatePath, settings.KeyPath, out problem);
        if (certificate is null)
        {
            problem = $"{InternalTlsSettings.CertificateVariable} and {InternalTlsSettings.KeyVariable} do not form a usable certificate: {problem}";
            return null;
        }

        if (!Chains(certificate, authorities, purpose: null, out var status))
        {
            problem =
                $"{InternalTlsSettings.CertificateVariable} ({certificate.Subject}) is not a valid certificate of "
                + $"{InternalTlsSettings.AuthorityVariable}: {status}";
            certificate.Dispose();
            return null;
        }

        return new Loaded(certificate, authorities);
    }

    private static bool Chains(X509Certificate2 certificate, X509Certificate2Collection authorities, Oid? purpose, out string status)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (purpose is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(purpose);
        }

        var valid = chain.Build(certificate);
        status = valid ? "" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        foreach (var element in chain.ChainElements)
        {
            if (!ReferenceEquals(element.Certificate, certificate))
            {
                element.Certificate.Dispose();
            }
        }

        return valid;
    }

    private void Reload()
    {
        var next = TryLoad(_settings, out var problem);
        if (next is null)
        {
            LogReloadFailed(problem);
            return;
        }

        var previous = _current;
        if (
            next.Certificate.Thumbprint == previous.Certificate.Thumbprint
            && next.Authorities.Select(a => a.Thumbprint).SequenceEqual(previous.Authorities.Select(a => a.Thumbprint))
        )
        {
            return;
        }

        _current = next;
        LogUsing(next.Certificate.Subject, next.Certificate.NotAfter);
    }

    public void Dispose() => _watcher.Dispose();

    internal sealed record Loaded(X509Certificate2 Certificate, X509Certificate2Collection Authorities);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Internal TLS: presenting {Subject}, valid until {NotAfter:u}; trusting the deployment CA only"
    )]
    private partial void LogUsing(string subject, DateTime notAfter);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Internal TLS: the changed certificate files could not be loaded; still using the previous ones: {Problem}"
    )]
    private partial void LogReloadFailed(string? problem);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Internal TLS: refused a {Role} certificate that the deployment CA did not issue for that use: {Subject} ({Status})"
    )]
    private partial void LogRefused(string role, string subject, string status);
}
