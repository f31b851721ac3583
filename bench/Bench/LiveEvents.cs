using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;

namespace Bench;

/// <summary>
/// Scenario 3: many WebSocket clients through the gateway; callbacks at a steady rate; for every event, the time
/// from the callback's 204 to each client's receipt. One client with a tiny receive window never reads: it must be
/// dropped by the service without delaying the others.
/// </summary>
internal static class LiveEvents
{
    public static async Task<int> RunAsync(Options options)
    {
        var clients = options.Int("clients", 1000);
        var rate = options.Int("rate", 50);
        var seconds = options.Int("seconds", 20);
        var url = new Uri(options["url"]);
        var wsUrl = new UriBuilder(url) { Scheme = "wss", Path = "/ws" }.Uri;
        var acknowledged = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        var received = 0L;
        using var stopAll = new CancellationTokenSource();

        var sockets = new List<ClientWebSocket>();
        var connectWatch = Stopwatch.StartNew();
        // --http2 1: as browsers open them where the server allows, many WebSockets share a few HTTP/2 connections
        // (RFC 8441; at most 100 streams each) instead of a TCP connection each.
        var http2 = options.Int("http2", 0) == 1 ? Http2Invoker() : null;
        for (var batch = 0; batch < clients; batch += 50)
        {
            var opened = await Task.WhenAll(
                Enumerable.Range(batch, Math.Min(50, clients - batch)).Select(_ => ConnectAsync(wsUrl, options["token"], receiveBuffer: null, http2))
            );
            sockets.AddRange(opened);
        }

        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"connected {sockets.Count} clients in {connectWatch.Elapsed.TotalSeconds:0.0}s{(http2 is null ? "" : " over HTTP/2")}"
            )
        );
        var slow = await ConnectAsync(wsUrl, options["token"], receiveBuffer: 2048); // never read
        var slowConnected = Stopwatch.StartNew();
        var readers = sockets
            .Select(socket =>
                Task.Run(async () =>
                {
                    var buffer = new byte[8192];
                    try
                    {
                        while (!stopAll.IsCancellationRequested)
                        {
                            var result = await socket.ReceiveAsync(buffer, stopAll.Token);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                return;
                            }

                            var now = Stopwatch.GetTimestamp();
                            using var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                            // Every connection opens with {"type":"connected","at":…}: not a recording event.
                            if (!message.RootElement.TryGetProperty("recording", out var recording))
                            {
                                continue;
                            }

                            var sid = recording.GetProperty("sid").GetString()!;
                            Interlocked.Increment(ref received);
                            // The event can outrun the 204 on the same machine: then it counts as 0 ms.
                            if (acknowledged.TryGetValue(sid, out var acked))
                            {
                                latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(acked, now).TotalMilliseconds));
                            }
                            else
                            {
                                latencies.Add(0);
                            }
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or WebSocketException) { }
                })
            )
            .ToList();

        using var client = Options.Client(url, 8);
        var nextSid = Signing.SidSource();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var burst = options.Int("slow-burst", 3000);

        // One signed callback; its 204 starts the clock of each delivery's latency.
        async Task PostAsync()
        {
            var sid = nextSid();
            using var request = Signing.Callback(options["public-base"], options["auth-token"], options["account"], sid);
            using var response = await client.SendAsync(request);
            acknowledged[sid] = Stopwatch.GetTimestamp();
        }

        // Callbacks at the steady rate while keepGoing holds; returns how many were posted.
        async Task<int> PostAtRateAsync(Func<bool> keepGoing)
        {
            var count = 0;
            var started = Stopwatch.StartNew();
            while (keepGoing())
            {
                await PostAsync();
                count++;
                var due = interval * count;
                if (due > started.Elapsed)
                {
                    await Task.Delay(due - started.Elapsed);
                }
            }

            return count;
        }

        var clock = Stopwatch.StartNew();
        var posted = await PostAtRateAsync(() => clock.Elapsed < TimeSpan.FromSeconds(seconds));

        await Task.Delay(2000);
        var steady = latencies.ToList();
        var steadyReceived = Interlocked.Read(ref received);
        var open = sockets.Count(s => s.State == WebSocketState.Open);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"posted={posted} at {rate}/s; deliveries={steadyReceived} of {(long)posted * sockets.Count}; clients still "
                    + $"open={open}/{sockets.Count}"
            )
        );
        Console.WriteLine("latency 204->receipt: " + Stats.Summary(steady));

        if (burst == 0)
        {
            await stopAll.CancelAsync();
            await Task.WhenAll(readers);
            slow.Abort();
            sockets.ForEach(socket => socket.Abort());
            return 0;
        }

        // Now a burst from 16 senders at once: everyone keeps receiving, and the stalled client falls further behind.
        var before = latencies.Count;
        var remaining = burst;
        await Task.WhenAll(
            Enumerable
                .Range(0, 16)
                .Select(async _ =>
                {
                    while (Interlocked.Decrement(ref remaining) >= 0)
                    {
                        await PostAsync();
                    }
                })
        );

        await Task.Delay(3000);
        var afterBurst = latencies.Skip(before).ToList();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"burst of {burst}: deliveries={afterBurst.Count} of {(long)burst * sockets.Count}; clients still "
                    + $"open={sockets.Count(s => s.State == WebSocketState.Open)}/{sockets.Count}"
            )
        );
        Console.WriteLine("burst latency 204->receipt: " + Stats.Summary(afterBurst));

        // The stalled client: the path buffers what it does not read (gateway and kernel), so the service may not
        // see its queue fill; it stops answering pings, though. Keep posting at the steady rate until it has been
        // connected for --slow-wait seconds, then let it read: a dropped client finds a close or a broken
        // connection behind what was buffered.
        var slowWait = TimeSpan.FromSeconds(options.Int("slow-wait", 0));
        var beforeWait = latencies.Count;
        var waitPosted = await PostAtRateAsync(() => slowConnected.Elapsed < slowWait);

        if (slowWait > TimeSpan.Zero)
        {
            await Task.Delay(2000);
            var during = latencies.Skip(beforeWait).ToList();
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"while the stalled client was held ({slowConnected.Elapsed.TotalSeconds:0}s after it connected): "
                        + $"posted={waitPosted}; deliveries={during.Count} of {(long)waitPosted * sockets.Count}; clients still "
                        + $"open={sockets.Count(s => s.State == WebSocketState.Open)}/{sockets.Count}"
                )
            );
            Console.WriteLine("latency 204->receipt meanwhile: " + Stats.Summary(during));
            Console.WriteLine("stalled client: " + await DrainAsync(slow));
        }

        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"aborting the others at {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}")
        );
        await stopAll.CancelAsync();
        await Task.WhenAll(readers);
        slow.Abort();
        foreach (var socket in sockets)
        {
            socket.Abort();
        }

        return 0;
    }

    /// <summary>Reads what was buffered for a stalled client: how its connection ended, if it did.</summary>
    private static async Task<string> DrainAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        long messages = 0;
        try
        {
            while (true)
            {
                using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var result = await socket.ReceiveAsync(buffer, quiet.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return string.Create(
                        CultureInfo.InvariantCulture,
                        $"DROPPED by the service after {messages} buffered messages: close {(int?)result.CloseStatus} "
                            + $"\"{result.CloseStatusDescription}\""
                    );
                }

                if (result.EndOfMessage)
                {
                    messages++;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"NOT dropped: still open after {messages} buffered messages");
        }
        catch (WebSocketException e)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"DROPPED by the service after {messages} buffered messages: connection ended ({e.WebSocketErrorCode})"
            );
        }
    }

    private static HttpMessageInvoker Http2Invoker() =>
        new(
            new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
            }
        );

    private static async Task<ClientWebSocket> ConnectAsync(Uri url, string token, int? receiveBuffer, HttpMessageInvoker? http2 = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        if (http2 is not null && receiveBuffer is null)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            await socket.ConnectAsync(url, http2, CancellationToken.None);
            return socket;
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (receiveBuffer is { } size)
                {
                    tcp.ReceiveBufferSize = size; // a tiny window: the sender soon has to wait for this client
                }

                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        await socket.ConnectAsync(url, new HttpMessageInvoker(handler), CancellationToken.None);
        return socket;
    }
}
