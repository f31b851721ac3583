using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Health;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A tiny Kestrel app standing in for a service: answers /health and /health/ready (or not, when <see cref="Healthy"/> is false),
/// echoes WebSocket messages on /ws, and otherwise answers with <see cref="Handler"/>, recording each request.
/// </summary>
public sealed class FakeBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeBackend(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public bool Healthy { get; set; } = true;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    private static readonly Func<HttpContext, Task> DefaultHandler = context => context.Response.WriteAsJsonAsync(new { ok = true });

    /// <summary>Answers every non-health, non-WebSocket request. Default: 200 <c>{"ok":true}</c>.</summary>
    public Func<HttpContext, Task> Handler { get; set; } = DefaultHandler;

    /// <summary>Back to a fresh stand-in: no recorded requests, healthy, answering with <paramref name="handler"/> or the default.</summary>
    public void Reset(Func<HttpContext, Task>? handler = null)
    {
        Requests.Clear();
        Healthy = true;
        Handler = handler ?? DefaultHandler;
    }

    public static async Task<FakeBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new FakeBackend(app);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Url = new Uri(address);
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (HealthEndpoints.IsProbe(context.Request.Path))
        {
            context.Response.StatusCode = Healthy ? 200 : 503;
            return;
        }

        Requests.Enqueue(
            new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)
            )
        );

        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
            }
        }

        await Handler(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);
