using System.Net.WebSockets;
using System.Text.Json;

namespace System.Tests.Infrastructure;

/// <summary>Reading the RecordingsService's live events (<c>/ws</c>) as a dashboard does.</summary>
public static class LiveEvents
{
    /// <summary>The next message, as JSON, within <paramref name="timeout"/> (default 10 s).</summary>
    public static async Task<JsonElement> ReceiveAsync(WebSocket socket, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, cancel.Token);
        using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        return message.RootElement.Clone();
    }

    /// <summary>The connection's opening message, then the first event's recording SID.</summary>
    public static async Task<string?> FirstRecordingSidAsync(WebSocket socket)
    {
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        return (await ReceiveAsync(socket)).GetProperty("recording").GetProperty("sid").GetString();
    }
}
