using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Platform.Security.Tls;
using ServiceDefaults.Configuration;

namespace Platform.Security.InternalTls;

/// <summary>
/// Mutual TLS between the platform's processes: INTERNAL_TLS_CA (the deployment CA, PEM; several during a CA change),
/// INTERNAL_TLS_CERT and INTERNAL_TLS_KEY (this process's certificate, issued by that CA). A service with them listens
/// on https only and serves only clients presenting a certificate from that CA; the gateway and the RecordingsService
/// present theirs when they call a service. Unset: plain HTTP, allowed on loopback only.
/// </summary>
public sealed record InternalTlsSettings(string AuthorityPath, string CertificatePath, string KeyPath)
{
    public const string AuthorityVariable = "INTERNAL_TLS_CA";
    public const string CertificateVariable = "INTERNAL_TLS_CERT";
    public const string KeyVariable = "INTERNAL_TLS_KEY";

    private const string Hint = "certs/generate-internal-certs.sh makes a deployment CA and a certificate per service";

    /// <summary>The three variables, all or none; null when none is set.</summary>
    public static InternalTlsSettings? Read(SettingsReader reader)
    {
        string[] names = [AuthorityVariable, CertificateVariable, KeyVariable];
        var missing = names.Where(name => reader.Raw(name) is null).ToList();
        if (missing.Count == names.Length)
        {
            return null;
        }

        if (missing.Count > 0)
        {
            reader.AddProblem(
                $"{string.Join(" and ", missing)} must be set as well: internal TLS takes {string.Join(", ", names)} together ({Hint})."
            );
            return null;
        }

        var authority = reader.ExistingFile(AuthorityVariable, null, requiredInProduction: false, Hint);
        var certificate = reader.ExistingFile(CertificateVariable, null, requiredInProduction: false, Hint);
        var key = reader.ExistingFile(KeyVariable, null, requiredInProduction: false, Hint);
        if (authority is null || certificate is null || key is null)
        {
            return null;
        }

        var settings = new InternalTlsSettings(Path.GetFullPath(authority), Path.GetFullPath(certificate), Path.GetFullPath(key));
        if (InternalCertificates.TryLoad(settings, out var problem) is null)
        {
            reader.AddProblem(problem!);
            return null;
        }

        return settings;
    }

    /// <summary>
    /// For a service: the internal TLS settings, and its listening addresses checked against them. Beyond loopback
    /// only with internal TLS (anything that could connect would otherwise bypass the gateway); with it, https only.
    /// </summary>
    public static InternalTlsSettings? ReadForService(SettingsReader reader, string defaultUrl)
    {
        var settings = Read(reader);
        foreach (var url in reader.ListeningUrls(defaultUrl))
        {
            BindingAddress binding;
            try
            {
                binding = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                reader.AddProblem($"The listening address \"{url}\" cannot be read.");
                continue;
            }

            if (settings is null && !binding.IsUnixPipe && !IsLoopback(binding.Host))
            {
                reader.AddProblem(
                    $"The service listens on {url}, beyond loopback, without internal TLS: set {AuthorityVariable}, "
                        + $"{CertificateVariable} and {KeyVariable} so that only the platform's own processes can connect ({Hint})."
                );
            }
            else if (settings is not null && !binding.IsUnixPipe && !string.Equals(binding.Scheme, "https", StringComparison.OrdinalIgnoreCase))
            {
                reader.AddProblem($"The service listens on {url} in plain HTTP although internal TLS is set: use https:// addresses.");
            }
        }

        return settings;
    }

    /// <summary>
    /// For a caller: a service's address (AUTH_SERVICE_URLS, JWKS_URL, …). With internal TLS it must be https (the
    /// service refuses anything else); without, it must be on loopback, so no token crosses a network in clear.
    /// </summary>
    public static void CheckServiceUrl(SettingsReader reader, InternalTlsSettings? settings, string name, Uri url)
    {
        if (settings is not null && url.Scheme != Uri.UriSchemeHttps)
        {
            reader.AddProblem($"{name} has {url}: with internal TLS the services are called over https.");
        }
        else if (settings is null && !IsLoopbackOnly(url))
        {
            reader.AddProblem(
                $"{name} has {url}, beyond loopback, without internal TLS: set {AuthorityVariable}, {CertificateVariable} "
                    + $"and {KeyVariable} ({Hint})."
            );
        }
    }

    // A loopback address, "localhost", or a name all of whose addresses are loopback (several local replicas under
    // one name); a name that does not resolve now counts as beyond loopback.
    private static bool IsLoopbackOnly(Uri url)
    {
        if (url.IsLoopback)
        {
            return true;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(url.DnsSafeHost);
            return addresses.Length > 0 && addresses.All(IPAddress.IsLoopback);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
