using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace System.Tests.Infrastructure;

/// <summary>
/// What the dashboard does with live events, as a test client: one socket through a gateway, a cursor (the server's
/// time at connect, then the latest <c>updatedAt</c>), and on any close or failure a reconnect with <c>?since=</c> that
/// cursor. Collects every recording it is told of, live or by replay.
/// </summary>
public sealed class LiveDashboard : IAsyncDisposable
{
    private readonly Uri _gateway;
    private readonly string _origin;
    private readonly string _token;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _running;
    private string? _cursor;

    private LiveDashboard(Uri gateway, string origin, string token)
    {
        _gateway = gateway;
        _origin = origin;
        _token = token;
        _running = Task.Run(RunAsync);
    }

    public ConcurrentDictionary<string, byte> Seen { get; } = new(StringComparer.Ordinal);

    public int Reconnects { get; private set; }

    /// <summary>How each connection the server closed was closed (1001: going away).</summary>
    public ConcurrentQueue<WebSocketCloseStatus?> Closes { get; } = new();

    /// <summary>Completes once the first connection has said "connected".</summary>
    public Task Connected => _connected.Task;

    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="origin">The page's origin (default: the gateway's own), for when the gateway is reached through a balancer.</param>
    public static LiveDashboard Open(Uri gateway, string token, string? origin = null) =>
        new(gateway, origin ?? gateway.GetLeftPart(UriPartial.Authority), token);

    private async Task RunAsync()
    {
        var buffer = new byte[256 * 1024];
        while (!_stopping.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
            socket.Options.SetRequestHeader("Origin", _origin);
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null; // the test's own certificate
            var since = _cursor is null ? "" : "?since=" + Uri.EscapeDataString(_cursor);
            try
            {
                await socket.ConnectAsync(new Uri($"wss://{_gateway.Authority}/ws{since}"), _stopping.Token);
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, _stopping.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        Closes.Enqueue(received.CloseStatus);
                        break;
                    }

                    using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
                    var root = message.RootElement;
                    if (root.TryGetProperty("at", out var at))
                    {
                        _cursor ??= at.GetString();
                        _connected.TrySetResult();
                    }

                    if (root.GetProperty("type").GetString() == "resync")
                    {
                        // More changed than a replay holds: reload the list, as the dashboard does.
                        _cursor = root.GetProperty("at").GetString();
                        await ReloadListAsync();
                    }

                    if (root.TryGetProperty("recording", out var recording))
                    {
                        Seen[recording.GetProperty("sid").GetString()!] = 0;
                        var updated = recording.GetProperty("updatedAt").GetString()!;
                        if (_cursor is null || string.CompareOrdinal(updated, _cursor) > 0)
                        {
                            _cursor = updated;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or JsonException)
            {
                // Lost: reconnect, as the dashboard does.
            }

            Reconnects++;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public int Reloads { get; private set; }

    // Every page of GET /api/recordings, newest first, as the dashboard's list reloads.
    private async Task ReloadListAsync()
    {
        Reloads++;
        using var client = new HttpClient(
            new SocketsHttpHandler
            {
                ConnectCallback = Loopback.ConnectAsync,
                SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null },
            }
        )
        {
            BaseAddress = _gateway,
        };
        string? cursor = null;
        do
        {
            using var request = new HttpRequestMessage(
                HttpMethod.Get,
                "/api/recordings?limit=200" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))
            );
            request.Headers.Authorization = new("Bearer", _token);
            using var response = await client.SendAsync(request, _stopping.Token);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }

            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_stopping.Token));
            foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
            {
                Seen[item.GetProperty("sid").GetString()!] = 0;
            }

            cursor = page.RootElement.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _running;
        _stopping.Dispose();
    }
}
