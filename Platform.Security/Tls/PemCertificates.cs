using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Security.Tls;

/// <summary>
/// Reads PEM files: a certificate chain with its key (what a process presents) and a bundle of certificate authorities
/// (what it trusts). Problems come back as text that never contains key material.
/// </summary>
public static class PemCertificates
{
    /// <returns>The context, or null with <paramref name="problem"/> saying why.</returns>
    public static SslStreamCertificateContext? TryLoad(string certificatePath, string keyPath, out string? problem)
    {
        var leaf = TryLoadLeaf(certificatePath, keyPath, out problem);
        if (leaf is null)
        {
            return null;
        }

        try
        {
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

            return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        }
        catch (Exception ex) when (IsFileProblem(ex))
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>The first certificate of a PEM chain with its private key, usable by the TLS stack as server or client.</summary>
    public static X509Certificate2? TryLoadLeaf(string certificatePath, string keyPath, out string? problem)
    {
        try
        {
            using var pemLeaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Re-import so the key is usable by the TLS stack on every platform, not bound to a transient handle.
            problem = null;
            return X509CertificateLoader.LoadPkcs12(pemLeaf.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (IsFileProblem(ex))
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>Every certificate authority in a PEM bundle (at least one, each a CA).</summary>
    public static X509Certificate2Collection? TryLoadAuthorities(string path, out string? problem)
    {
        try
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(path);
            problem =
                authorities.Count == 0 ? "it holds no PEM certificate"
                : authorities.Any(IsAuthority) ? null
                : "none of its certificates is a certificate authority (basicConstraints CA:TRUE)";
            return problem is null ? authorities : null;
        }
        catch (Exception ex) when (IsFileProblem(ex))
        {
            problem = ex.Message;
            return null;
        }
    }

    private static bool IsAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(constraints => constraints.CertificateAuthority);

    private static bool IsFileProblem(Exception ex) =>
        ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException;
}
