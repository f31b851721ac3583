using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace System.Tests.Infrastructure;

/// <summary>
/// The README's run command (deploy/run.sh) as a person runs it, on reserved ports (see <see cref="PortReservation"/>)
/// and a temporary DATA_DIR; disposing presses Ctrl-C, then removes the data.
/// </summary>
public sealed partial class RunScript : IAsyncDisposable
{
    private readonly PortReservation[] _ports;

    private RunScript(
        RunningProcess process,
        PortReservation https,
        PortReservation http,
        PortReservation auth,
        PortReservation recordings,
        string dataDirectory
    )
    {
        Process = process;
        _ports = [https, http, auth, recordings];
        HttpsPort = https.Port;
        AuthPort = auth.Port;
        RecordingsPort = recordings.Port;
        DataDirectory = dataDirectory;
        Url = new Uri($"https://localhost:{https.Port}");
    }

    public RunningProcess Process { get; }
    public Uri Url { get; }
    public int HttpsPort { get; }
    public int AuthPort { get; }
    public int RecordingsPort { get; }
    public string DataDirectory { get; }

    /// <param name="environment">Added to (or, with null, removed from) the script's environment.</param>
    /// <param name="arguments">The script's options (<c>--demo</c>).</param>
    public static RunScript Start(IDictionary<string, string?>? environment = null, params string[] arguments)
    {
        var (https, http, auth, recordings) = (
            PortReservation.Reserve(),
            PortReservation.Reserve(),
            PortReservation.Reserve(),
            PortReservation.Reserve()
        );
        var dataDirectory = Directory.CreateTempSubdirectory("run-script-").FullName;
        var all = new Dictionary<string, string?>
        {
            ["PORT"] = https.ToString(),
            ["HTTP_PORT"] = http.ToString(),
            ["AUTH_PORT"] = auth.ToString(),
            ["RECORDINGS_PORT"] = recordings.ToString(),
            ["DATA_DIR"] = dataDirectory,
            ["RUN_CONFIGURATION"] = Repository.Configuration,
            ["ASPNETCORE_ENVIRONMENT"] = null,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var process = RunningProcess.Start("bash", [Path.Combine(Repository.Root, "deploy", "run.sh"), .. arguments], all);
        return new RunScript(process, https, http, auth, recordings, dataDirectory);
    }

    /// <summary>Waits for the line run.sh prints when everything is ready, and returns the development login it names.</summary>
    public async Task<(string Username, string Password)> WaitUntilReadyAsync()
    {
        var login = await Process.WaitForLineAsync(LoginLine(), TimeSpan.FromMinutes(4));
        return (login.Groups[1].Value, login.Groups[2].Value);
    }

    /// <summary>A client trusting the development CA that run.sh created, keeping no cookies, following no redirects.</summary>
    public HttpClient Client() => new(Handler()) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>What <see cref="Client"/> sends through: trusting the development CA, no cookies, no redirects.</summary>
    public static SocketsHttpHandler Handler()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Repository.Root, "certs", "dev", "ca.crt")));
        return new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectCallback = Loopback.ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        foreach (var port in _ports)
        {
            port.Dispose();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A service may still be closing its database; the temporary folder is the OS's to clean.
        }
    }

    [GeneratedRegex(@"Development login: (\S+) / (\S{12,})")]
    private static partial Regex LoginLine();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"run.sh on {Url}");
}
