using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The whole system as the README's run command starts it (deploy/run.sh: gateway, AuthService, RecordingsService),
/// on free ports and a temporary DATA_DIR, with Twilio's REST API played by <see cref="FakeTwilio"/>.
/// </summary>
public sealed partial class RunningSystem : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "browser-test-auth-token";

    private readonly Process _process;
    private readonly StringBuilder _output;

    private RunningSystem(Process process, StringBuilder output, int port, string dataDirectory, FakeTwilio twilio, string adminUser, string adminPassword)
    {
        _process = process;
        _output = output;
        Url = new Uri($"https://localhost:{port}");
        DataDirectory = dataDirectory;
        Twilio = twilio;
        AdminUsername = adminUser;
        AdminPassword = adminPassword;
    }

    public Uri Url { get; }
    public string DataDirectory { get; }
    public FakeTwilio Twilio { get; }
    public string AdminUsername { get; }
    public string AdminPassword { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<RunningSystem> StartAsync()
    {
        var twilio = FakeTwilio.Start();
        var dataDirectory = Directory.CreateTempSubdirectory("running-system-").FullName;
        var port = Repository.FreePort();
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "deploy", "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["HTTP_PORT"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AUTH_PORT"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["RECORDINGS_PORT"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["DATA_DIR"] = dataDirectory;
        start.Environment["RUN_CONFIGURATION"] = Repository.Configuration;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = null;
        start.Environment["TWILIO_ACCOUNT_SID"] = AccountSid;
        start.Environment["TWILIO_AUTH_TOKEN"] = AuthToken;
        start.Environment["TWILIO_API_BASE_URL"] = twilio.Url;
        // Browser tests sign in many times from one address: keep the limits, far out of reach.
        start.Environment["LOGIN_RATE_LIMIT_MAX"] = "1000";
        start.Environment["RATE_LIMIT_MAX"] = "100000";

        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }

            if (line is not null && LoginLine().Match(line) is { Success: true } match)
            {
                ready.TrySetResult(match);
            }
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(4)));
        if (!ready.Task.IsCompleted)
        {
            Stop(process);
            throw new InvalidOperationException($"deploy/run.sh did not become ready:\n{output}");
        }

        var login = await ready.Task;
        return new RunningSystem(process, output, port, dataDirectory, twilio, login.Groups[1].Value, login.Groups[2].Value);
    }

    /// <summary>A client trusting the development CA that run.sh created, keeping no cookies.</summary>
    public HttpClient Client()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Repository.Root, "certs", "dev", "ca.crt")));
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { ca }, RevocationMode = X509RevocationMode.NoCheck },
            },
        };
        return new HttpClient(handler) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Posts a recording status callback through the gateway, signed as Twilio signs it.</summary>
    public async Task<HttpResponseMessage> PostCallbackAsync(string recordingSid, string status = "completed", string duration = "26", string? startTime = null)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["RecordingSid"] = recordingSid,
            ["RecordingStatus"] = status,
            ["RecordingDuration"] = duration,
            ["RecordingChannels"] = "1",
            ["RecordingSource"] = "RecordVerb",
            ["RecordingStartTime"] = startTime ?? DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture),
        };
        using var client = Client();
        using var request = TwilioCallbacks.SignedRequest(fields, AuthToken, Url.GetLeftPart(UriPartial.Authority) + "/webhooks/recording");
        return await client.SendAsync(request);
    }

    public static string NewRecordingSid() => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async ValueTask DisposeAsync()
    {
        Stop(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Twilio.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A service may still be closing its database; the temporary folder is the OS's to clean.
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    [GeneratedRegex(@"Development login: (\S+) / (\S+)")]
    private static partial Regex LoginLine();
}
