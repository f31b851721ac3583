using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using TestSupport;

namespace Demo;

/// <summary>Posts recording status callbacks through the gateway, signed with the demo account's token as Twilio signs them.</summary>
internal sealed class CallbackPoster(DemoSettings settings) : IDisposable
{
    private readonly HttpClient _client = new(CreateHandler(settings)) { BaseAddress = settings.PublicBaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    private static SocketsHttpHandler CreateHandler(DemoSettings settings)
    {
        var handler = new SocketsHttpHandler();
        if (settings.CaCertificate is { } caPath)
        {
            // The gateway's development certificate: trusted through its own CA, nothing else.
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { X509Certificate2.CreateFromPem(File.ReadAllText(caPath)) },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            };
        }

        if (settings.GatewayAddress is { } address)
        {
            // The public URL names the certificate's host (and the Host header); the connection goes to the gateway.
            var separator = address.LastIndexOf(':');
            var endpoint = new DnsEndPoint(address[..separator], int.Parse(address[(separator + 1)..], CultureInfo.InvariantCulture));
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }

    public async Task WaitForGatewayAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await _client.GetAsync("/health/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 240) { }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <returns>The status the gateway answered (204 when stored).</returns>
    public async Task<int> PostAsync(SampleRecording recording, string status, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", settings.AccountSid),
            new("CallSid", recording.CallSid),
            new("RecordingSid", recording.Sid),
            new("RecordingUrl", $"https://api.twilio.com/2010-04-01/Accounts/{settings.AccountSid}/Recordings/{recording.Sid}"),
            new("RecordingStatus", status),
            new("RecordingDuration", (status == "completed" ? recording.Duration : 0).ToString(CultureInfo.InvariantCulture)),
            new("RecordingChannels", "1"),
            new("RecordingSource", recording.Source),
            new("RecordingStartTime", SampleRecordings.Rfc2822(recording.StartTime)),
        };
        if (recording.ErrorCode is { } error)
        {
            fields.Add(new("ErrorCode", error.ToString(CultureInfo.InvariantCulture)));
        }

        // Twilio signs the URL it calls: the public origin, which the RecordingsService checks against.
        var signedUrl = new Uri(settings.PublicBaseUrl, "/webhooks/recording").ToString();
        using var request = TwilioSigner.Callback(fields, settings.AuthToken, signedUrl);
        using var response = await _client.SendAsync(request, cancellationToken);
        return (int)response.StatusCode;
    }

    public void Dispose() => _client.Dispose();
}
