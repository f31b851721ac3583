using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Platform.Security.Tokens;
using Platform.Storage;
using RecordingsService.Audit;
using RecordingsService.Recordings;
using RecordingsService.Webhooks;

namespace RecordingsService.LiveEvents;

/// <summary>
/// Fans events out to every connected dashboard. Each event is serialized once; each client has its own bounded
/// queue and sender, so one slow reader never delays the rest — it is dropped when its queue fills. A socket whose
/// token the HTTP path would now refuse (its session revoked by a sign-out, a user change or a revoke-all, its key
/// retired, or expired) is closed with 1008 within seconds.
/// </summary>
internal sealed partial class LiveEventHub : BackgroundService
{
    private readonly JsonSerializerOptions _json;
    private readonly ConcurrentDictionary<LiveClient, byte> _clients = new();
    private readonly HeldTokenCheck _tokens;
    private readonly ListViews _listViews;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveEventHub> _logger;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;

    /// <param name="json">The API's JSON options: an event's <c>recording</c> is exactly what <c>GET /api/recordings/{sid}</c> returns.</param>
    /// <summary>At most this many changes are replayed to a reconnecting dashboard; it reloads its list beyond that.</summary>
    public const int ReplayLimit = 500;

    /// <summary>
    /// How far before a dashboard's cursor a replay (and a catch-up after a gap) starts. A change is stamped
    /// (<c>updatedAt</c>) before it is written and published, so with several writers one stamped earlier can reach a
    /// dashboard after one stamped later: a dashboard whose cursor moved past it and whose socket closed before it
    /// arrived would never be told. Replicas' clocks may differ too. Starting earlier resends a few changes the
    /// dashboard has; it keeps the latest of each.
    /// </summary>
    public static readonly TimeSpan ReplayMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// At most this many changes are sent to every connected dashboard after a gap; beyond that, a resync. A catch-up goes
    /// through each client's queue beside live events, so it must leave room in it.
    /// </summary>
    public const int CatchUpLimit = LiveClient.QueueCapacity / 2;

    private readonly IRecordingStore _store;

    public LiveEventHub(
        HeldTokenCheck tokens,
        ListViews listViews,
        TimeProvider time,
        IMeterFactory meters,
        IOptions<JsonOptions> json,
        IRecordingStore store,
        ILogger<LiveEventHub> logger
    )
    {
        _store = store;
        _json = json.Value.SerializerOptions;
        _tokens = tokens;
        _listViews = listViews;
        _time = time;
        _logger = logger;
        var meter = meters.Create(WebhookMetrics.MeterName);
        // A gauge read when scraped (an up-down counter is exported to Prometheus as a counter, with no series until the first client).
        meter.CreateObservableGauge("recordings.live.clients", () => _clients.Count, description: "Connected WebSocket clients");
        _sent = meter.CreateCounter<long>("recordings.live.events_sent", description: "Events written to WebSocket clients");
        _dropped = meter.CreateCounter<long>(
            "recordings.live.clients_dropped",
            description: "Clients disconnected for not reading or for an ended session"
        );
    }

    public int Count => _clients.Count;

    /// <summary>The event as every client receives it, serialized once.</summary>
    public byte[] Serialize(Recording recording) => JsonSerializer.SerializeToUtf8Bytes(new RecordingEvent(RecordingEvent.Updated, recording), _json);

    public void Broadcast(Recording recording) => Broadcast(Serialize(recording));

    /// <summary>An event already serialized (by this replica or, through Redis, another).</summary>
    public void Broadcast(ReadOnlyMemory<byte> message)
    {
        foreach (var client in _clients.Keys)
        {
            if (!client.Queue.Writer.TryWrite(message))
            {
                Drop(client, "too-slow");
            }
        }
    }

    /// <summary>
    /// Serves one client until it or the service goes away: first the server's time, then (with <paramref name="since"/>)
    /// every recording changed since <see cref="ReplayMargin"/> before it, then live events. The client is registered
    /// before its time is read and before the replay, so no change falls between them (one may come twice; the
    /// dashboard keeps the latest).
    /// </summary>
    public async Task RunAsync(LiveClient client, DateTimeOffset? since, CancellationToken stopping)
    {
        _clients[client] = 0;
        LogConnected(client.User, client.ClientIp, _clients.Count);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, client.Closing.Token);
        try
        {
            // Sent before the sender starts on the queue, so it is the first message whatever was published meanwhile.
            var connected = JsonSerializer.SerializeToUtf8Bytes(new ConnectedEvent(ConnectedEvent.Connected, _time.GetUtcNow()), _json);
            try
            {
                await client.Socket.SendAsync(connected, WebSocketMessageType.Text, endOfMessage: true, linked.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
            {
                return; // gone already
            }

            if (since is not null && !await ReplayAsync(client, since.Value, linked.Token))
            {
                return;
            }

            // The receive loop is never cancelled: cancelling a pending receive aborts the socket, and then no close
            // frame (1001, 1008) could tell the dashboard why. It ends with the client's close, or with the socket.
            await Task.WhenAny(SendAsync(client, linked.Token), ReceiveAsync(client, CancellationToken.None));
            await linked.CancelAsync();
        }
        finally
        {
            _clients.TryRemove(client, out _);
            if (stopping.IsCancellationRequested)
            {
                client.CloseReason ??= "service-stopping";
            }

            await CloseAsync(client);
            // Aborted without a reason of ours: it stopped answering pings (KeepAliveTimeout) or the connection broke.
            var reason = client.CloseReason ?? (client.Socket.State == WebSocketState.Aborted ? "unresponsive or lost" : "closed");
            LogDisconnected(client.User, client.ClientIp, reason);
            client.Closing.Dispose();
        }
    }

    // Sent straight to the socket before the sender starts on the queue: a replay may hold up to ReplayLimit changes,
    // far more than a queue holds, and live events published meanwhile wait in the queue behind it. False: the socket
    // is gone.
    private async Task<bool> ReplayAsync(LiveClient client, DateTimeOffset since, CancellationToken cancellationToken)
    {
        IReadOnlyList<Recording> changed;
        try
        {
            changed = await _store.UpdatedSinceAsync(since - ReplayMargin, ReplayLimit + 1, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogReplayFailed(client.User, ex.Message); // live events still flow; the dashboard's next list load catches up
            return true;
        }

        try
        {
            if (changed.Count > ReplayLimit)
            {
                await SendNowAsync(client, Resync(), cancellationToken);
                return true;
            }

            // Recordings shown to a reconnecting dashboard: a list view, audited as one.
            if (changed.Count > 0)
            {
                _listViews.Record(client.User, client.ClientIp, changed.Count);
            }

            foreach (var recording in changed)
            {
                await SendNowAsync(client, Serialize(recording), cancellationToken);
            }

            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            return false;
        }
    }

    private async Task SendNowAsync(LiveClient client, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await client.Socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        _sent.Add(1);
    }

    /// <summary>
    /// Brings every connected dashboard up to date after a gap in the events this replica received (Redis was away):
    /// every recording changed since <paramref name="since"/>, read once and sent to all; more than
    /// <see cref="CatchUpLimit"/>, a <c>resync</c> message instead, on which each dashboard reloads its list.
    /// </summary>
    public async Task CatchUpAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var changed = await _store.UpdatedSinceAsync(since, CatchUpLimit + 1, cancellationToken);
        if (changed.Count > CatchUpLimit)
        {
            Broadcast(Resync());
            return;
        }

        foreach (var recording in changed)
        {
            Broadcast(recording);
        }
    }

    // Too much to replay: the dashboard reloads its list, and keeps this message's time as its cursor.
    private byte[] Resync() => JsonSerializer.SerializeToUtf8Bytes(new ResyncEvent(ResyncEvent.Resync, _time.GetUtcNow()), _json);

    /// <summary>Every few seconds: disconnect clients whose token the HTTP path would now refuse.</summary>
    internal void CheckTokens()
    {
        foreach (var client in _clients.Keys)
        {
            if (_tokens.Ended(client.Token) is { } why)
            {
                Drop(client, "session-ended", why);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                CheckTokens();
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Drop(LiveClient client, string reason, string? detail = null)
    {
        if (client.CloseReason is not null)
        {
            return;
        }

        client.CloseReason = reason;
        _dropped.Add(1, new KeyValuePair<string, object?>("reason", detail ?? reason));
        client.Queue.Writer.TryComplete();
        try
        {
            client.Closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private async Task SendAsync(LiveClient client, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in client.Queue.Reader.ReadAllAsync(cancellationToken))
            {
                await client.Socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                _sent.Add(1);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException) { }
    }

    private static async Task ReceiveAsync(LiveClient client, CancellationToken cancellationToken)
    {
        // Clients only listen; anything they send is read and dropped, until they close.
        var buffer = new byte[1024];
        try
        {
            while (client.Socket.State == WebSocketState.Open)
            {
                var result = await client.Socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException) { }
    }

    private static async Task CloseAsync(LiveClient client)
    {
        if (client.Socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        var (status, description) = client.CloseReason switch
        {
            "too-slow" => (WebSocketCloseStatus.PolicyViolation, "too slow"),
            "session-ended" => (WebSocketCloseStatus.PolicyViolation, "session ended"),
            // 1001: the dashboard reconnects (through the gateway, to another replica) and replays what it missed.
            "service-stopping" => (WebSocketCloseStatus.EndpointUnavailable, "service stopping"),
            _ => (WebSocketCloseStatus.NormalClosure, "bye"),
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.Socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException) { }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live events: could not replay the gap of {User} ({Reason}); live events go on")]
    private partial void LogReplayFailed(string user, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live events: {User} connected from {ClientIp} ({Count} connected)")]
    private partial void LogConnected(string user, string? clientIp, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live events: {User} from {ClientIp} disconnected ({Reason})")]
    private partial void LogDisconnected(string user, string? clientIp, string reason);
}
