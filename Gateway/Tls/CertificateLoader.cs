using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Tls;

/// <summary>Loads a PEM certificate chain and its key into a context Kestrel can serve.</summary>
internal static class CertificateLoader
{
    /// <returns>The context, or null with <paramref name="problem"/> saying why (never key material).</returns>
    public static SslStreamCertificateContext? TryLoad(string certificatePath, string keyPath, out string? problem)
    {
        try
        {
            using var pemLeaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Re-import so the key is usable by the TLS stack on every platform, not bound to a transient handle.
            var leaf = X509CertificateLoader.LoadPkcs12(pemLeaf.Export(X509ContentType.Pkcs12), password: null);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath);
            var intermediates = new X509Certificate2Collection();
            foreach (var certificate in chain)
            {
                if (certificate.Thumbprint != leaf.Thumbprint)
                {
                    intermediates.Add(certificate);
                }
            }

            problem = null;
            return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = ex.Message;
            return null;
        }
    }
}
