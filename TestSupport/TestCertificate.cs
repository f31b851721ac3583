using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TestSupport;

/// <summary>A self-signed localhost certificate written as a PEM pair into a temporary folder.</summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(string directory, string certificatePath, string keyPath, string thumbprint)
    {
        Directory = directory;
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        Thumbprint = thumbprint;
    }

    public string Directory { get; }
    public string CertificatePath { get; }
    public string KeyPath { get; }
    public string Thumbprint { get; private set; }

    public static TestCertificate Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("gateway-tls-").FullName;
        var certificate = new TestCertificate(directory, Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"), "");
        certificate.Thumbprint = certificate.WriteNew("localhost");
        return certificate;
    }

    /// <summary>Writes a fresh certificate over the files (a renewal) and returns its thumbprint.</summary>
    public string WriteNew(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Key first, then the certificate: a watcher that fires in between must not break the served one.
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        return Thumbprint = certificate.Thumbprint;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the folder for a moment; the temp folder is cleaned by the OS.
        }
    }
}
