using System.Net.Security;
using System.Security.Authentication;

namespace Gateway.Tls;

/// <summary>
/// Where the gateway's cipher rules (Mozilla "intermediate") are enforced. Preferably by OpenSSL's own
/// configuration (<c>OPENSSL_CONF</c> naming <c>Tls/openssl.cnf</c>): then .NET caches its TLS contexts and returning
/// clients resume their sessions. Without it, by .NET's <see cref="CipherSuitesPolicy"/>, which is as strict but
/// turns resumption off, since .NET never caches a context that has a policy.
/// </summary>
internal static class CipherRules
{
    // Mozilla "intermediate": TLS 1.3 suites plus ECDHE/DHE with AEAD ciphers for TLS 1.2.
    // (Windows takes its cipher order from the OS; there the policy cannot be set.)
    public static readonly CipherSuitesPolicy? Intermediate = OperatingSystem.IsWindows()
        ? null
        : new([
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

    // What "intermediate" refuses: CBC with SHA-1 or SHA-2, and RSA key exchange (no forward secrecy).
    private static readonly CipherSuitesPolicy? Weak = OperatingSystem.IsWindows()
        ? null
        : new([
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
            TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        ]);

    /// <summary>
    /// True when OpenSSL itself holds the server to these rules: on loopback, against <paramref name="certificate"/>
    /// and with no policy, a TLS 1.2 client offering only weak suites is refused while one offering the intermediate
    /// suites is served (so a refusal for any other reason does not count).
    /// </summary>
    public static async Task<bool> EnforcedByOpenSslAsync(SslStreamCertificateContext certificate) =>
        !OperatingSystem.IsWindows() && !await HandshakeAsync(certificate, Weak) && await HandshakeAsync(certificate, Intermediate);

    private static Task<bool> HandshakeAsync(SslStreamCertificateContext certificate, CipherSuitesPolicy? offered) =>
        LoopbackHandshake.RunAsync(
            new SslServerAuthenticationOptions { ServerCertificateContext = certificate, EnabledSslProtocols = SslProtocols.Tls12 },
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = SslProtocols.Tls12,
                CipherSuitesPolicy = offered,
            }
        );
}
