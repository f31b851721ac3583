using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Telemetry;

namespace ServiceDefaults.Alerts;

/// <summary>
/// Alerts raised by a service (unusual recording access, bursts of failed sign-ins or refused callbacks): counted in
/// the metric <c>alerts.raised</c> by kind and, when ALERT_WEBHOOK_URL is set, posted there by a background loop, so
/// a slow or failing receiver never delays or fails the request that raised it. The queue holds 1,000; beyond that
/// alerts are logged and dropped. Posting failures are logged without the URL (its path is a credential).
/// </summary>
public sealed partial class AlertSender : BackgroundService
{
    public const string HttpClientName = "alert-webhook";
    private const int QueueLimit = 1000;

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.DropWrite }
    );
    private readonly Counter<long> _raised;
    private readonly AlertSettings _settings;
    private readonly IHttpClientFactory _httpClients;
    private readonly ILogger<AlertSender> _logger;

    public AlertSender(AlertSettings settings, IHttpClientFactory httpClients, IMeterFactory meters, ILogger<AlertSender> logger)
    {
        _settings = settings;
        _httpClients = httpClients;
        _logger = logger;
        _raised = meters
            .Create(TelemetryExtensions.MeterPrefix + "Alerts")
            .CreateCounter<long>("alerts.raised", description: "Alerts raised, by kind");
    }

    /// <summary>Counts the alert and queues it for the webhook; returns at once.</summary>
    public void Raise(string kind, string text)
    {
        _raised.Add(1, new KeyValuePair<string, object?>("kind", kind));
        if (_settings.WebhookUrl is not null && !_queue.Writer.TryWrite(text))
        {
            LogDropped(kind);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.WebhookUrl is not { } url)
        {
            return;
        }

        var client = _httpClients.CreateClient(HttpClientName);
        await foreach (var text in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                using var response = await client.PostAsJsonAsync(url, new { text }, stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    LogNotDelivered(url.Host, $"HTTP {(int)response.StatusCode}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogNotDelivered(url.Host, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An alert could not be posted to the alert webhook at {Host}: {Reason}")]
    private partial void LogNotDelivered(string host, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "An alert ({Kind}) was dropped: 1,000 are already waiting for the alert webhook")]
    private partial void LogDropped(string kind);
}
