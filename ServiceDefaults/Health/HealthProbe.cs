using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ServiceDefaults.Health;

/// <summary>
/// The <c>probe</c> command of every service (the container image's HEALTHCHECK, so the image needs no curl or shell):
/// GET <c>/health/ready</c> on the process's own listening address over loopback; exit 0 on a 2xx answer, 1 otherwise.
/// </summary>
public static class HealthProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static bool IsCommand(string[] args) => args is ["probe"];

    /// <summary>
    /// For a service: its first listening URL (ASPNETCORE_URLS, else <paramref name="defaultUrl"/>), over https checked
    /// against its own internal certificate (INTERNAL_TLS_CERT) when it has one.
    /// </summary>
    public static Task<int> RunForServiceAsync(string defaultUrl, TextWriter output)
    {
        var urls = Environment.GetEnvironmentVariable("ASPNETCORE_URLS");
        var first = string.IsNullOrWhiteSpace(urls)
            ? defaultUrl
            : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        return RunAsync(ReadinessUrl(first), Environment.GetEnvironmentVariable("INTERNAL_TLS_CERT"), output);
    }

    /// <param name="target">The readiness URL on loopback.</param>
    /// <param name="servedCertificatePath">
    /// PEM certificate (chain, leaf first) the process serves: over https the probe accepts exactly that leaf, since the
    /// certificate names a public or internal host rather than 127.0.0.1. Null: the system's trust applies.
    /// </param>
    public static async Task<int> RunAsync(Uri target, string? servedCertificatePath, TextWriter output)
    {
        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler) { Timeout = Timeout };
        try
        {
            if (target.Scheme == Uri.UriSchemeHttps && !string.IsNullOrWhiteSpace(servedCertificatePath))
            {
                // The leaf: the first certificate of the chain file.
                var served = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(servedCertificatePath)).GetCertHashString();
                handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == served;
            }

            using var response = await client.GetAsync(target);
            await output.WriteLineAsync($"{target}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex)
            when (ex is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            await output.WriteLineAsync($"{target}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// The readiness URL for a listening URL such as <c>https://0.0.0.0:5001</c> or <c>http://+:80</c>: a wildcard host
    /// (or localhost) is probed on 127.0.0.1, a named address as it is.
    /// </summary>
    public static Uri ReadinessUrl(string listeningUrl)
    {
        // Kestrel's wildcard hosts (+, *) are not valid in a Uri: replace the host before parsing.
        var schemeEnd = listeningUrl.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? listeningUrl[..schemeEnd] : Uri.UriSchemeHttp;
        var authority = (schemeEnd > 0 ? listeningUrl[(schemeEnd + 3)..] : listeningUrl).Split('/')[0];
        var portStart = authority.LastIndexOf(':');
        var hasPort = portStart >= 0 && !authority.EndsWith(']');
        var host = hasPort ? authority[..portStart] : authority;
        var port = hasPort ? authority[(portStart + 1)..] : (scheme == Uri.UriSchemeHttps ? "443" : "80");
        if (host is "+" or "*" or "0.0.0.0" or "[::]" or "" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }

        return new Uri($"{scheme}://{host}:{port}{HealthEndpoints.ReadyPath}");
    }
}
